import Yams

extension ForwarderConfig {
    /// Parses and validates a config (spec section 2). Every error names `file` and a line.
    public static func load(yaml: String, file: String) throws(ConfigError) -> ForwarderConfig {
        var loader = ConfigLoader(file: file, yaml: yaml)
        return try loader.load()
    }
}

/// What a rule matches on: no two rules may share it.
private struct RuleInput: Hashable {
    let port: Int
    let match: VLANMatch
}

/// Walks the YAML node tree keeping marks, so each error can point at its line.
private struct ConfigLoader {
    let file: String
    let yaml: String
    /// libyaml marks the end of the input, and a null node there, on a line after the last one,
    /// which no editor shows: errors name the last line instead.
    let lastLine: Int

    init(file: String, yaml: String) {
        self.file = file
        self.yaml = yaml
        lastLine = Self.lastLine(of: yaml)
    }

    func error(_ node: Node?, _ problem: String) -> ConfigError {
        ConfigError(file: file, line: min(node?.mark?.line ?? 1, lastLine), problem)
    }

    mutating func load() throws(ConfigError) -> ForwarderConfig {
        if let line = YAMLNesting.firstLineTooDeep(in: yaml) {
            throw ConfigError(file: file, line: line, "YAML nested deeper than \(YAMLNesting.maximumDepth) levels; a vf-fwd config nests 5")
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw error(nil, "the file is empty; it needs at least `ports:`")
            }
            root = node
        } catch let e as ConfigError {
            throw e
        } catch let e as YamlError {
            let (line, text) = Self.describe(e, lastLine: lastLine)
            throw ConfigError(file: file, line: line, text)
        } catch {
            throw ConfigError(file: file, line: 1, "YAML: \(error)")
        }
        let top = try mapping(root, keys: ["eal", "ports", "rules", "forwarding"], what: "the top level")
        var config = ForwarderConfig(ports: [], rules: [])
        if let eal = top["eal"] {
            config.eal = try sequence(eal.value, what: "eal").map { (item) throws(ConfigError) in try string(item, what: "an EAL argument") }
        }
        guard let ports = top["ports"] else { throw error(root, "missing `ports:`") }
        var portLines: [Int] = []
        for item in try sequence(ports.value, what: "ports") {
            let port = try loadPort(item)
            if let earlier = config.ports.firstIndex(where: { $0.name == port.name }) {
                throw error(item, "duplicate port name '\(port.name)' (first defined on line \(portLines[earlier]))")
            }
            // The EAL would make one port of both, and the second close would fail.
            if let earlier = config.ports.firstIndex(where: { Self.sameDevice($0.device, port.device) }) {
                throw error(item, "port '\(port.name)' uses device \(port.device.ethdevName), as port '\(config.ports[earlier].name)' on line \(portLines[earlier]) does; a device can be one port only")
            }
            config.ports.append(port)
            portLines.append(item.mark?.line ?? 1)
        }
        if config.ports.isEmpty { throw error(ports.value, "`ports:` is empty") }
        if !config.isMockOnly && config.ports.contains(where: { $0.device.isMock }) {
            throw error(ports.value, "mock ports and DPDK ports cannot be mixed in one config")
        }
        if !config.isMockOnly && config.ports.count > EthPort.maximumPorts {
            throw ConfigError(file: file, line: portLines[EthPort.maximumPorts],
                              "port '\(config.ports[EthPort.maximumPorts].name)' is DPDK port \(EthPort.maximumPorts + 1); this DPDK build has at most \(EthPort.maximumPorts) (RTE_MAX_ETHPORTS)")
        }
        var vfCounts: [String: Int] = [:]
        for (index, port) in config.ports.enumerated() {
            guard let pf = port.device.mockSpec?.pf else { continue }
            vfCounts[pf, default: 0] += 1
            if vfCounts[pf]! > Intel82599.maximumVFs {
                throw ConfigError(file: file, line: portLines[index],
                                  "port '\(port.name)' would be VF \(Intel82599.maximumVFs + 1) of emulated PF '\(pf)'; an 82599 has at most \(Intel82599.maximumVFs)")
            }
        }
        // One port names an emulated PF's wire: two would be two wires.
        var wireNamedBy: [String: Int] = [:]
        for (index, port) in config.ports.enumerated() {
            guard let spec = port.device.mockSpec, spec.namesWire, let pf = spec.pf else { continue }
            if let earlier = wireNamedBy[pf] {
                throw ConfigError(file: file, line: portLines[index], "emulated PF '\(pf)' has its wire named by port '\(config.ports[earlier].name)' on line \(portLines[earlier]) already")
            }
            wireNamedBy[pf] = index
        }
        // The line of each rule's `in`, by port and match: a Neutron host has thousands.
        var ruleLines: [RuleInput: Int] = [:]
        if let rules = top["rules"] {
            for item in try sequence(rules.value, what: "rules") {
                for rule in try loadRules(item, ports: config.ports) {
                    let line = item.mark?.line ?? 1
                    if let earlier = ruleLines.updateValue(line, forKey: RuleInput(port: rule.inPort, match: rule.match)) {
                        throw error(item, "two rules have the same `in` (\(config.ports[rule.inPort].name), \(Self.describe(rule.match))); the other is on line \(earlier)")
                    }
                    config.rules.append(rule)
                }
            }
        }
        if let forwarding = top["forwarding"] {
            let fields = try mapping(forwarding.value, keys: ["burst"], what: "forwarding")
            if let burst = fields["burst"] {
                config.burst = try integer(burst.value, what: "burst", in: 1...512)
            }
        }
        return config
    }

    /// Two DPDK device strings naming one ethdev (each `mock:` port is a VF of its own).
    static func sameDevice(_ a: DeviceString, _ b: DeviceString) -> Bool {
        !a.isMock && !b.isMock && a.ethdevName.lowercased() == b.ethdevName.lowercased()
    }

    func loadPort(_ node: Node) throws(ConfigError) -> PortConfig {
        let keys = ["name", "device", "rx-queues", "tx-queues", "rx-descriptors", "tx-descriptors", "mtu", "vlan-offload", "mac-addresses"]
        let fields = try mapping(node, keys: keys, what: "a port")
        guard let nameNode = fields["name"] else { throw error(node, "a port needs `name:`") }
        let name = try string(nameNode.value, what: "name")
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
        guard !name.isEmpty, name.allSatisfy(allowed.contains) else {
            throw error(nameNode.value, "port name '\(name)' must match [A-Za-z0-9_-]+")
        }
        guard let deviceNode = fields["device"] else { throw error(node, "port '\(name)' needs `device:`") }
        let deviceText = try string(deviceNode.value, what: "device")
        guard let device = DeviceString(deviceText) else {
            throw error(deviceNode.value, "device '\(deviceText)' is neither a PCI address (0000:03:10.0), a DPDK vdev (net_pcap0,...) nor mock:KEY=VALUE,...")
        }
        if case .mock(let parameters) = device {
            do throws(MockError) { _ = try MockDeviceSpec(parameters) } catch { throw self.error(deviceNode.value, error.description) }
        }
        var port = PortConfig(name: name, device: device)
        if let n = fields["rx-queues"] { port.rxQueues = try integer(n.value, what: "rx-queues", in: 1...64) }
        if let n = fields["tx-queues"] { port.txQueues = try integer(n.value, what: "tx-queues", in: 1...64) }
        if let n = fields["rx-descriptors"] { port.rxDescriptors = try powerOfTwo(n.value, what: "rx-descriptors") }
        if let n = fields["tx-descriptors"] { port.txDescriptors = try powerOfTwo(n.value, what: "tx-descriptors") }
        // 68 is DPDK's RTE_ETHER_MIN_MTU; 9710 the 82599 VF's largest (9728-byte frames with CRC).
        if let n = fields["mtu"] { port.mtu = try integer(n.value, what: "mtu", in: 68...9710) }
        if let flag = fields["vlan-offload"] { port.vlanOffload = try boolean(flag.value, what: "vlan-offload") }
        if let list = fields["mac-addresses"] {
            port.macAddresses = try sequence(list.value, what: "mac-addresses").map { (item) throws(ConfigError) in try unicastMAC(item) }
        }
        return port
    }

    /// `02:00:5e:10:00:01`: six hex pairs, unicast and not zero, as a MAC filter entry must be.
    func unicastMAC(_ node: Node) throws(ConfigError) -> [UInt8] {
        let text = try string(node, what: "a MAC address")
        let pairs = text.split(separator: ":", omittingEmptySubsequences: false)
        let bytes = pairs.compactMap { $0.count == 2 ? UInt8($0, radix: 16) : nil }
        guard pairs.count == 6, bytes.count == 6 else { throw error(node, "'\(text)' is not a MAC address like 02:00:5e:10:00:01") }
        guard bytes[0] & 1 == 0, bytes.contains(where: { $0 != 0 }) else {
            throw error(node, "\(text) is a multicast or zero address; `mac-addresses` takes unicast ones")
        }
        return bytes
    }

    /// One rule as written, plus its mirror when `bidirectional: true`.
    func loadRules(_ node: Node, ports: [PortConfig]) throws(ConfigError) -> [Rule] {
        let fields = try mapping(node, keys: ["in", "out", "bidirectional"], what: "a rule")
        guard let inNode = fields["in"] else { throw error(node, "a rule needs `in:`") }
        guard let outNode = fields["out"] else { throw error(node, "a rule needs `out:`") }
        let (inPort, inVLAN) = try endpoint(inNode.value, ports: ports, what: "in")
        let (outPort, outVLAN) = try endpoint(outNode.value, ports: ports, what: "out")
        var bidirectional = false
        if let b = fields["bidirectional"] { bidirectional = try boolean(b.value, what: "bidirectional") }

        let rule: Rule
        switch inVLAN {
        case nil:
            throw error(inNode.value, "`in` needs `vlan:` (a VID, [outer, inner], untagged or any)")
        case .some(.any):
            if outVLAN != nil { throw error(outNode.value, "an `any` rule forwards frames unchanged: its `out` cannot have a `vlan`") }
            rule = Rule(inPort: inPort, match: .any, outPort: outPort, output: nil)
        case .some(.exact(let stack)):
            switch outVLAN {
            case .some(.any): throw error(outNode.value, "`vlan: any` is only valid in `in`")
            case .some(.exact(let out)): rule = Rule(inPort: inPort, match: .exact(stack), outPort: outPort, output: out)
            // No `vlan` in `out`: the frame leaves as it came, as under `any` (Open vSwitch's
            // output without a VLAN action): TPIDs and a priority tag included.
            case nil: rule = Rule(inPort: inPort, match: .exact(stack), outPort: outPort, output: nil)
            }
        }
        guard bidirectional else { return [rule] }
        // The mirror matches what the rule sends and gives back what it matched.
        let mirror = switch rule.match {
        case .any: Rule(inPort: rule.outPort, match: .any, outPort: rule.inPort, output: nil)
        case .exact(let matched):
            Rule(inPort: rule.outPort, match: .exact(rule.output ?? matched), outPort: rule.inPort,
                 output: rule.output == nil ? nil : matched)
        }
        return [rule, mirror]
    }

    func endpoint(_ node: Node, ports: [PortConfig], what: String) throws(ConfigError) -> (Int, VLANMatch?) {
        let fields = try mapping(node, keys: ["port", "vlan"], what: "`\(what)`")
        guard let portNode = fields["port"] else { throw error(node, "`\(what)` needs `port:`") }
        let name = try string(portNode.value, what: "port")
        guard let index = ports.firstIndex(where: { $0.name == name }) else {
            throw error(portNode.value, "rule names unknown port '\(name)' (ports: \(ports.map(\.name).joined(separator: ", ")))")
        }
        guard let vlanNode = fields["vlan"]?.value else { return (index, nil) }
        return (index, try vlan(vlanNode))
    }

    func vlan(_ node: Node) throws(ConfigError) -> VLANMatch {
        if let scalar = node.scalar {
            switch scalar.string {
            case "any": return .any
            case "untagged": return .exact(.untagged)
            default: return .exact(.single(try vid(node)))
            }
        }
        let items = try sequence(node, what: "vlan")
        guard items.count == 2 else { throw error(node, "a VLAN list is [outer, inner]: exactly two VIDs, got \(items.count)") }
        return .exact(.double(outer: try vid(items[0]), inner: try vid(items[1])))
    }

    func vid(_ node: Node) throws(ConfigError) -> UInt16 {
        guard let text = node.scalar?.string, let value = Int(text) else {
            throw error(node, "vlan must be a VID (1..4094), [outer, inner], untagged or any; got '\(node.scalar?.string ?? "a collection")'")
        }
        guard (1...4094).contains(value) else { throw error(node, "VID \(value) is outside 1..4094") }
        return UInt16(value)
    }

    // MARK: typed access

    func mapping(_ node: Node, keys: [String], what: String) throws(ConfigError) -> [String: (key: Node, value: Node)] {
        guard let map = node.mapping else { throw error(node, "\(what) must be a mapping") }
        var result: [String: (key: Node, value: Node)] = [:]
        for (key, value) in map {
            let name = key.scalar?.string ?? ""
            guard keys.contains(name) else {
                throw error(key, "unknown key '\(name)' in \(what) (allowed: \(keys.joined(separator: ", ")))")
            }
            guard result[name] == nil else { throw error(key, "key '\(name)' appears twice in \(what)") }
            result[name] = (key, value)
        }
        return result
    }

    func sequence(_ node: Node, what: String) throws(ConfigError) -> [Node] {
        guard let items = node.sequence else { throw error(node, "`\(what)` must be a list") }
        return Array(items)
    }

    func string(_ node: Node, what: String) throws(ConfigError) -> String {
        guard let scalar = node.scalar else { throw error(node, "`\(what)` must be a single value") }
        return scalar.string
    }

    func integer(_ node: Node, what: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let text = node.scalar?.string, let value = Int(text) else {
            throw error(node, "`\(what)` must be an integer")
        }
        guard range.contains(value) else { throw error(node, "`\(what)` \(value) is outside \(range.lowerBound)..\(range.upperBound)") }
        return value
    }

    func powerOfTwo(_ node: Node, what: String) throws(ConfigError) -> Int {
        let value = try integer(node, what: what, in: 8...32768)
        guard value & (value - 1) == 0 else { throw error(node, "`\(what)` \(value) is not a power of two") }
        return value
    }

    func boolean(_ node: Node, what: String) throws(ConfigError) -> Bool {
        switch node.scalar?.string {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(node, "`\(what)` must be true or false")
        }
    }

    /// A YAML error on one line, as the others ("YAML syntax, column 3: could not find expected
    /// ':' (while scanning a simple key at line 3, column 5)"), and the line it is on.
    static func describe(_ error: YamlError, lastLine: Int) -> (line: Int, text: String) {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let within = context.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
            if mark.line > lastLine { return (lastLine, "YAML syntax, at the end of the file: \(problem)\(within)") }
            return (mark.line, "YAML syntax, column \(mark.column): \(problem)\(within)")
        case .reader(let problem, let offset, _, let yaml):
            // libyaml's reader counts bytes: the line is one more than the newlines before them.
            let line = offset.map { 1 + yaml.utf8.prefix($0).count { $0 == UInt8(ascii: "\n") } } ?? 1
            return (line, "YAML: \(problem)")
        default:
            return (1, "YAML: \(error)")
        }
    }

    /// The number of the file's last line, counting line breaks as libyaml does (YAML 1.1:
    /// LF, CR, CR LF, NEL, LS, PS), so that it numbers lines as the errors' marks do.
    static func lastLine(of yaml: String) -> Int {
        // Scalars, not Characters: grapheme breaking would cost a large config seconds.
        var count = 0, endsInBreak = false, afterCR = false
        for scalar in yaml.unicodeScalars {
            switch scalar {
            case "\n": if !afterCR { count += 1 }  // "\r\n" is one line break
                endsInBreak = true
            case "\r", "\u{85}", "\u{2028}", "\u{2029}": count += 1
                endsInBreak = true
            default: endsInBreak = false
            }
            afterCR = scalar == "\r"
        }
        return max(1, endsInBreak || yaml.isEmpty ? count : count + 1)
    }

    static func describe(_ match: VLANMatch) -> String {
        switch match {
        case .any: "vlan any"
        case .exact(.untagged): "untagged"
        case .exact(.single(let v)): "vlan \(v)"
        case .exact(.double(let o, let i)): "vlan [\(o), \(i)]"
        }
    }
}
