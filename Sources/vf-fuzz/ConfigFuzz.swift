import VFDriver

/// Fuzzes the config loader: YAML through Yams, then vf-fwd's reading of spec section 2, on
/// whatever text an operator or a script may hand `--config`. Checked per input: no crash (a
/// stack overflow on deeply nested YAML was one), every error names a line of the input, and
/// an accepted config holds what section 2 promises and gives a forwarding plan, the ports'
/// configurations and `check`'s warnings.
enum ConfigFuzz {
    static func testOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) {
        guard let text = String(validating: UnsafeBufferPointer(start: data, count: size), as: UTF8.self) else { return }
        let config: ForwarderConfig
        do throws(ConfigError) {
            config = try ForwarderConfig.load(yaml: text, file: "input")
        } catch {
            require(error.file == "input" && (1...lineCount(text)).contains(error.line), "not on a line of the input: \(error)")
            return
        }
        checkSectionTwo(config)
        // What `check` and `run` derive from any accepted config, short of touching devices.
        _ = ForwardingPlan(config: config)
        _ = config.portConfigurations
        _ = config.mockRefusals
        _ = config.mockPoolProblem
        _ = config.portsInNoRule
    }

    static func checkSectionTwo(_ config: ForwarderConfig) {
        let names = config.ports.map(\.name)
        require(!names.isEmpty && Set(names).count == names.count, "port names not unique: \(names)")
        require(names.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { isNameByte($0) } }, "bad port name in \(names)")
        for port in config.ports {
            require(port.rxDescriptors & (port.rxDescriptors - 1) == 0 && port.txDescriptors & (port.txDescriptors - 1) == 0,
                    "descriptors not a power of two: \(port)")
        }
        require((1...512).contains(config.burst), "burst \(config.burst)")
        require(config.isMockOnly || config.ports.count <= EthPort.maximumPorts, "more DPDK ports than RTE_MAX_ETHPORTS")
        let pfs = config.ports.compactMap { $0.device.mockSpec?.pf }
        require(Set(pfs).allSatisfy { pf in pfs.count { $0 == pf } <= Intel82599.maximumVFs }, "an emulated PF with more than 63 VFs")
        var ins = Set<[Int]>()
        for rule in config.rules {
            require(config.ports.indices.contains(rule.inPort) && config.ports.indices.contains(rule.outPort), "rule names no port: \(rule)")
            switch rule.match {
            case .any:
                require(rule.output == nil, "an any rule with an out vlan: \(rule)")
                require(ins.insert([rule.inPort, -1]).inserted, "two rules with the same in: \(rule)")
            case .exact(let stack):
                require(isValid(stack), "VID outside 1..4094: \(rule)")
                require(ins.insert([rule.inPort] + stack.vids).inserted, "two rules with the same in: \(rule)")
            }
            if let output = rule.output { require(isValid(output), "VID outside 1..4094: \(rule)") }
        }
    }

    /// Lines as libyaml numbers them: LF, CR, CR LF, NEL, LS and PS end one; a last line
    /// without a break counts.
    static func lineCount(_ text: String) -> Int {
        var lines = 0, open = false, afterCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": if !afterCR { lines += 1 }; open = false
            case "\r", "\u{85}", "\u{2028}", "\u{2029}": lines += 1; open = false
            default: open = true
            }
            afterCR = scalar == "\r"
        }
        return max(1, open ? lines + 1 : lines)
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"): true
        default: false
        }
    }

    static func isValid(_ stack: VLANStack) -> Bool {
        stack.vids.allSatisfy { (1...4094).contains($0) }
    }
}
