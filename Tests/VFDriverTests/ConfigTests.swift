import Foundation
import VFDriver
import XCTest

final class ConfigTests: XCTestCase {
    let header = """
        ports:
          - name: a
            device: net_null0
          - name: b
            device: net_null1

        """

    func load(_ yaml: String) throws -> ForwarderConfig {
        try ForwarderConfig.load(yaml: yaml, file: "test.yaml")
    }

    func loadTyped(_ yaml: String) throws(ConfigError) -> ForwarderConfig {
        try ForwarderConfig.load(yaml: yaml, file: "test.yaml")
    }

    func assertError(_ yaml: String, line: Int, contains text: String, file: StaticString = #filePath, at: UInt = #line) {
        do throws(ConfigError) {
            _ = try loadTyped(yaml)
            XCTFail("accepted a bad config", file: file, line: at)
        } catch {
            XCTAssertEqual(error.line, line, "\(error)", file: file, line: at)
            XCTAssertTrue(error.description.hasPrefix("test.yaml:\(line): "), "\(error)", file: file, line: at)
            XCTAssertTrue(error.description.contains(text), "\(error)", file: file, line: at)
        }
    }

    func testFullExampleFromTheSpec() throws {
        let config = try load("""
            eal: ["-l", "0-1", "--no-huge", "-m", "512", "--no-pci"]
            ports:
              - name: tenant-a
                device: "0000:03:10.0"
                rx-queues: 1
                tx-queues: 1
                rx-descriptors: 1024
                tx-descriptors: 512
                mtu: 1500
              - name: uplink
                device: "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap"
            rules:
              - in:  { port: tenant-a, vlan: 100 }
                out: { port: uplink,  vlan: 1001 }
                bidirectional: true
              - in:  { port: uplink,  vlan: [3000, 10] }
                out: { port: tenant-a, vlan: untagged }
            forwarding:
              burst: 64
            """)
        XCTAssertEqual(config.eal, ["-l", "0-1", "--no-huge", "-m", "512", "--no-pci"])
        XCTAssertEqual(config.ports.map(\.name), ["tenant-a", "uplink"])
        XCTAssertEqual(config.ports[0].device, .pci("0000:03:10.0"))
        XCTAssertEqual(config.ports[0].txDescriptors, 512)
        XCTAssertEqual(config.ports[1].device, .vdev(name: "net_pcap0", arguments: "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap"))
        XCTAssertEqual(config.burst, 64)
        XCTAssertEqual(config.rules, [
            Rule(inPort: 0, match: .exact(.single(100)), outPort: 1, output: .single(1001)),
            Rule(inPort: 1, match: .exact(.single(1001)), outPort: 0, output: .single(100)),
            Rule(inPort: 1, match: .exact(.double(outer: 3000, inner: 10)), outPort: 0, output: .untagged),
        ])
    }

    /// A port's VLAN filter holds the outer VID of each exact tagged rule on it, mirrors included.
    func testVLANFilterOfEachPortComesFromItsRules() throws {
        let config = try load(header + """
            rules:
              - { in: { port: a, vlan: 100 }, out: { port: b, vlan: 1001 }, bidirectional: true }
              - { in: { port: b, vlan: [3000, 10] }, out: { port: a, vlan: untagged } }
              - { in: { port: b, vlan: [3000, 11] }, out: { port: a, vlan: 11 } }
              - { in: { port: a, vlan: untagged }, out: { port: b, vlan: 5 } }
              - { in: { port: a, vlan: any }, out: { port: b } }
            """)
        XCTAssertEqual(config.vlanFilters, [[100], [1001, 3000]])
        XCTAssertEqual(config.portConfigurations.map(\.vlanFilter), [[100], [1001, 3000]])
    }

    /// Only a cross-connect from a virtual device (a pcap replay may hold frames longer than a
    /// buffer) hands its target chained buffers; rules that parse check the MTU first.
    func testChainedTransmitOnlyBehindACrossConnectFromAVirtualDevice() throws {
        let config = try load("""
            ports:
              - { name: replay, device: "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap" }
              - { name: vf1, device: "0000:03:10.0" }
              - { name: vf2, device: "0000:03:10.2" }
              - { name: tap, device: net_tap0 }
              - { name: vf3, device: "0000:03:10.4" }
            rules:
              - { in: { port: replay, vlan: any }, out: { port: vf1 } }
              - { in: { port: vf1, vlan: any }, out: { port: vf2 }, bidirectional: true }
              - { in: { port: tap, vlan: 7 }, out: { port: vf3 } }
              - { in: { port: tap, vlan: any }, out: { port: vf3 } }
            """)
        XCTAssertEqual(config.portConfigurations.map(\.transmitsChains), [false, true, false, false, false])
        let mock = try load("""
            ports:
              - { name: replay, device: "mock:rx_pcap=in.pcap" }
              - { name: out, device: "mock:tx_pcap=out.pcap" }
              - { name: vf0, device: "mock:pf=p" }
              - { name: vf1, device: "mock:pf=p" }
            rules:
              - { in: { port: replay, vlan: any }, out: { port: out } }
              - { in: { port: out, vlan: any }, out: { port: vf0 } }
              - { in: { port: vf0, vlan: any }, out: { port: vf1 } }
            """)
        XCTAssertEqual(mock.portConfigurations.map(\.transmitsChains), [false, true, false, false],
                       "a standalone mock reading rx_pcap chains as the pcap PMD; an emulated PF's VF does not")
    }

    func testPortsInNoRule() throws {
        XCTAssertEqual(try load(header).portsInNoRule, ["a", "b"])
        XCTAssertEqual(try load(header + "rules: [{ in: { port: a, vlan: 5 }, out: { port: b } }]").portsInNoRule, [])
        XCTAssertEqual(try load(header + "rules: [{ in: { port: a, vlan: 5 }, out: { port: a } }]").portsInNoRule, ["b"])
    }

    func testParentDirectory() {
        let cases = ["o": "", "out.pcap": "", "/o": "/", "//o": "/", "out/a.pcap": "out", "out//a": "out", "/tmp/x/o": "/tmp/x"]
        for (path, directory) in cases { XCTAssertEqual(parentDirectory(of: path), directory, path) }
        XCTAssertEqual(DeviceString("net_pcap0,tx_pcap=o")?.argumentProblems, [], "a one-letter name in the working directory")
        XCTAssertEqual(DeviceString("net_pcap0,tx_pcap=/nonexistent/o")?.argumentProblems, ["tx_pcap /nonexistent/o: no directory /nonexistent"])
    }

    func testDefaults() throws {
        let config = try load(header)
        XCTAssertEqual(config.ports[0].rxQueues, 1)
        XCTAssertEqual(config.ports[0].rxDescriptors, 1024)
        XCTAssertEqual(config.ports[0].mtu, 1500)
        XCTAssertFalse(config.ports[0].vlanOffload)
        XCTAssertEqual(config.burst, 32)
        XCTAssertNil(config.eal)
        XCTAssertTrue(config.rules.isEmpty)
    }

    func testAnyRuleMirrorIsAnAnyRule() throws {
        let config = try load(header + """
            rules:
              - in: { port: a, vlan: any }
                out: { port: b }
                bidirectional: true
            """)
        XCTAssertEqual(config.rules, [
            Rule(inPort: 0, match: .any, outPort: 1, output: nil),
            Rule(inPort: 1, match: .any, outPort: 0, output: nil),
        ])
    }

    /// An exact rule without `vlan` in `out` leaves the frame as it came; its mirror matches the
    /// same stack on the other port.
    func testExactRuleWithoutOutVLANRewritesNothing() throws {
        let config = try load(header + """
            rules:
              - { in: { port: a, vlan: [3000, 10] }, out: { port: b }, bidirectional: true }
            """)
        XCTAssertEqual(config.rules, [
            Rule(inPort: 0, match: .exact(.double(outer: 3000, inner: 10)), outPort: 1, output: nil),
            Rule(inPort: 1, match: .exact(.double(outer: 3000, inner: 10)), outPort: 0, output: nil),
        ])
    }

    func testUnknownKeys() {
        assertError("foo: 1\n" + header, line: 1, contains: "unknown key 'foo'")
        assertError(header.replacingOccurrences(of: "device: net_null1", with: "device: net_null1\n    speed: 10"), line: 6, contains: "unknown key 'speed'")
        assertError(header + "rules:\n  - in: { port: a, vlan: 1, tos: 3 }\n    out: { port: b }\n", line: 7, contains: "unknown key 'tos'")
        assertError(header + "forwarding:\n  batch: 3\n", line: 7, contains: "unknown key 'batch'")
    }

    func testDuplicatePortNames() {
        assertError(header + "  - name: a\n    device: net_null2\n", line: 6, contains: "duplicate port name 'a'")
    }

    /// Spec-silent: one device cannot be two ports (the EAL would make one port of both).
    func testDuplicateDevices() {
        assertError(header + "  - name: c\n    device: \"net_null1,size=128\"\n", line: 6,
                    contains: "port 'c' uses device net_null1, as port 'b' on line 4 does")
        let pci = "ports:\n  - { name: a, device: \"0000:03:1a.0\" }\n  - { name: b, device: \"03:1A.0\" }\n"
        assertError(pci, line: 3, contains: "port 'b' uses device 0000:03:1A.0, as port 'a' on line 2 does")
        XCTAssertNoThrow(try load("ports:\n  - { name: a, device: \"mock:\" }\n  - { name: b, device: \"mock:\" }\n"))
    }

    /// Each device once, a per-process file prefix, and defaults that suit the devices.
    func testEALArguments() throws {
        let virtual = try load(header)
        XCTAssertEqual(DPDKForwarder.ealArguments(for: virtual),
                       ["--no-huge", "-m", "512", "--no-pci", "--file-prefix=vf-fwd-\(getpid())",
                        "--vdev", "net_null0", "--vdev", "net_null1"])
        let vf = try load("ports: [{ name: a, device: \"0000:03:10.0\" }]\n")
        XCTAssertEqual(DPDKForwarder.ealArguments(for: vf), ["--file-prefix=vf-fwd-\(getpid())", "--huge-unlink", "-a", "0000:03:10.0"],
                       "a VF needs hugepages and the PCI bus: the EAL's defaults; no hugepage files left behind")
        let chosen = try load("eal: [\"-l\", \"1,2\", \"--in-memory\"]\nports: [{ name: a, device: \"0000:03:10.0\" }]\n")
        XCTAssertEqual(DPDKForwarder.ealArguments(for: chosen), ["-l", "1,2", "--in-memory", "-a", "0000:03:10.0"])
        XCTAssertEqual(DPDKForwarder.ealArguments(for: chosen, override: ["--file-prefix=x"]), ["--file-prefix=x", "-a", "0000:03:10.0"])
    }

    func testRuleNamingUnknownPort() {
        assertError(header + "rules:\n  - in: { port: a, vlan: 1 }\n    out: { port: c, vlan: 2 }\n", line: 8, contains: "unknown port 'c'")
    }

    func testTwoRulesWithTheSameIn() {
        assertError(header + """
            rules:
              - in: { port: a, vlan: 7 }
                out: { port: b, vlan: 8 }
              - in: { port: a, vlan: 7 }
                out: { port: b, vlan: 9 }
            """, line: 9, contains: "same `in`")
        // A mirror counts as a rule.
        assertError(header + """
            rules:
              - in: { port: a, vlan: 7 }
                out: { port: b, vlan: 8 }
                bidirectional: true
              - in: { port: b, vlan: 8 }
                out: { port: a, vlan: 9 }
            """, line: 10, contains: "same `in`")
    }

    /// A Neutron host's scale: every VID of a network, both ways. Duplicates are found by lookup,
    /// not by comparing every pair of rules (which took minutes at 500,000 rules).
    func testEveryVLANBothWays() throws {
        let rules = (1...4094).map { "  - { in: { port: a, vlan: \($0) }, out: { port: b, vlan: [7, \($0)] }, bidirectional: true }" }
        let yaml = header + "rules:\n" + rules.joined(separator: "\n") + "\n"
        let config = try load(yaml)
        XCTAssertEqual(config.rules.count, 2 * 4094)
        XCTAssertEqual(config.vlanFilters, [Array(1...4094), [7]])
        XCTAssertEqual(config.crossConnectTargets, [nil, nil])
        assertError(yaml + "  - { in: { port: b, vlan: [7, 4094] }, out: { port: a } }\n", line: 4101,
                    contains: "two rules have the same `in` (b, vlan [7, 4094]); the other is on line 4100")
    }

    func testVIDsOutsideRange() {
        for bad in ["0", "4095", "5000", "-1", "[1, 4095]", "[0, 5]"] {
            assertError(header + "rules:\n  - in: { port: a, vlan: \(bad) }\n    out: { port: b, vlan: 1 }\n", line: 7, contains: "outside 1..4094")
        }
        assertError(header + "rules:\n  - in: { port: a, vlan: [1, 2, 3] }\n    out: { port: b, vlan: 1 }\n", line: 7, contains: "exactly two VIDs")
        assertError(header + "rules:\n  - in: { port: a, vlan: tagged }\n    out: { port: b, vlan: 1 }\n", line: 7, contains: "must be a VID")
    }

    func testAnyRuleWithOutVLAN() {
        assertError(header + "rules:\n  - in: { port: a, vlan: any }\n    out: { port: b, vlan: 5 }\n", line: 8, contains: "cannot have a `vlan`")
    }

    func testPortValues() {
        assertError(header.replacingOccurrences(of: "name: b", with: "name: b c"), line: 4, contains: "must match")
        assertError(header + "    rx-descriptors: 1000\n", line: 6, contains: "not a power of two")
        assertError(header + "    mtu: 9711\n", line: 6, contains: "outside 68..9710")
        assertError(header + "forwarding:\n  burst: 513\n", line: 7, contains: "outside 1..512")
        assertError(header.replacingOccurrences(of: "net_null1", with: "mock:rx_pcap=x"), line: 2, contains: "cannot be mixed")
        assertError(header.replacingOccurrences(of: "net_null1", with: "mock:rx_pcap=x,speed=10"), line: 5, contains: "unknown mock parameter 'speed'")
    }

    func testMACAddresses() throws {
        let config = try load(header + "    mac-addresses: [\"02:00:5e:10:00:01\", 0A:00:00:00:00:FF]\n")
        XCTAssertEqual(config.ports[1].macAddresses, [[0x02, 0, 0x5e, 0x10, 0, 1], [0x0a, 0, 0, 0, 0, 0xff]])
        XCTAssertEqual(config.portConfigurations[1].macAddresses, config.ports[1].macAddresses)
        assertError(header + "    mac-addresses: [\"02:00:5e:10:00\"]\n", line: 6, contains: "is not a MAC address")
        assertError(header + "    mac-addresses: [\"02:00:5e:10:00:1g\"]\n", line: 6, contains: "is not a MAC address")
        assertError(header + "    mac-addresses: [\"01:00:5e:10:00:01\"]\n", line: 6, contains: "multicast or zero")
        assertError(header + "    mac-addresses: [\"00:00:00:00:00:00\"]\n", line: 6, contains: "multicast or zero")
        assertError(header + "    mac-addresses: 02:00:5e:10:00:01\n", line: 6, contains: "must be a list")
    }

    /// Limits the devices would hit only at run time, found by `check`: the DPDK build's
    /// RTE_MAX_ETHPORTS (the EAL creates no more ports), and an 82599's 63 VFs (the mock's
    /// emulated PF crashed on the 64th).
    func testMoreDPDKPortsOrVFsThanThereCanBe() {
        func config(ports: Int, device: (Int) -> String) -> String {
            "ports:\n" + (0..<ports).map { "  - { name: p\($0), device: \"\(device($0))\" }\n" }.joined() + "rules: []\n"
        }
        XCTAssertNoThrow(try load(config(ports: EthPort.maximumPorts) { "net_null\($0)" }))
        assertError(config(ports: EthPort.maximumPorts + 1) { "net_null\($0)" }, line: EthPort.maximumPorts + 2,
                    contains: "port 'p\(EthPort.maximumPorts)' is DPDK port \(EthPort.maximumPorts + 1); this DPDK build has at most \(EthPort.maximumPorts) (RTE_MAX_ETHPORTS)")
        XCTAssertNoThrow(try load(config(ports: 63 + 63) { $0 < 63 ? "mock:pf=x" : "mock:pf=y" }))
        assertError(config(ports: 64) { _ in "mock:pf=x" }, line: 65, contains: "port 'p63' would be VF 64 of emulated PF 'x'; an 82599 has at most 63")
    }

    func testYAMLSyntaxErrorNamesItsLine() {
        assertError(header + "rules:\n  - in: { port: a, vlan: 1\n  - in: x: y\n", line: 8,
                    contains: "YAML syntax, column 7: did not find expected ',' or '}' (while parsing a flow mapping at line 7, column 9)")
        // libyaml marks the end of the input on a line after the last; the error names the last.
        assertError(header + "rules:\n  - in: { port: a, vlan: 1\n", line: 7,
                    contains: "YAML syntax, at the end of the file: did not find expected ',' or '}' (while parsing a flow mapping at line 7, column 9)")
        assertError("ports: [a", line: 1, contains: "at the end of the file")
        // So does the null node of an empty document.
        assertError("---\n#", line: 2, contains: "the top level must be a mapping")
        assertError(header + "rules: [\u{7}]\n", line: 6, contains: "YAML: control characters are not allowed")
    }

    /// Yams composes recursively: nesting thousands deep crashed vf-fwd on a stack overflow.
    func testDeepNestingIsAnErrorNotACrash() {
        let brackets = 100_000
        assertError(header + "rules: " + String(repeating: "[", count: brackets) + String(repeating: "]", count: brackets) + "\n",
                    line: 6, contains: "YAML nested deeper than 64 levels; a vf-fwd config nests 5")
        // Block nesting, a level per line: the 65th collection is the sequence on line 65.
        let lines = (0..<200).map { String(repeating: " ", count: $0) + "-\n" }.joined()
        assertError("rules:\n" + lines, line: 65, contains: "nested deeper than 64")
        // A malformed file still gets libyaml's error when it is not too deep before it.
        assertError(header + "rules: [[[x]]\n", line: 6, contains: "YAML syntax")
    }

    func testDeviceStrings() {
        XCTAssertEqual(DeviceString("0000:03:10.0")?.ealArguments, ["-a", "0000:03:10.0"])
        XCTAssertEqual(DeviceString("03:10.1")?.ethdevName, "0000:03:10.1")
        XCTAssertEqual(DeviceString("net_af_packet0,iface=veth0")?.ealArguments, ["--vdev", "net_af_packet0,iface=veth0"])
        XCTAssertEqual(DeviceString("net_af_packet0,iface=veth0")?.ethdevName, "net_af_packet0")
        XCTAssertEqual(DeviceString("mock:rx_pcap=a.pcap,tx_pcap=b.pcap")?.isMock, true)
        XCTAssertNil(DeviceString("mock:rx_pcap"))
        XCTAssertNil(DeviceString(""))
    }

    /// What may have kept the EAL from creating a virtual device, said without the EAL's log.
    func testVirtualDeviceArgumentProblems() throws {
        let dir = try temporaryDirectory()
        let input = dir + "/in.pcap"
        try Data().write(to: URL(fileURLWithPath: input))
        XCTAssertEqual(DeviceString("net_pcap0,rx_pcap=\(input),tx_pcap=\(dir)/out.pcap")?.argumentProblems, [])
        XCTAssertEqual(DeviceString("net_pcap0,rx_pcap=\(dir)/none.pcap,tx_pcap=\(dir)/no-dir/out.pcap")?.argumentProblems,
                       ["rx_pcap \(dir)/none.pcap: no such file", "tx_pcap \(dir)/no-dir/out.pcap: no directory \(dir)/no-dir"])
        XCTAssertEqual(DeviceString("net_af_packet0,iface=lo")?.argumentProblems, [])
        XCTAssertEqual(DeviceString("net_af_packet0,iface=nosuch0")?.argumentProblems,
                       ["iface nosuch0: no such network interface (`ip link` lists them)"])
        XCTAssertEqual(DeviceString("0000:03:10.0")?.argumentProblems, [])
        XCTAssertEqual(DeviceString("mock:rx_pcap=\(dir)/none.pcap,tx_pcap=\(dir)/out.pcap")?.argumentProblems,
                       ["rx_pcap \(dir)/none.pcap: no such file"])
    }

    func testCheckCommandExitsTwoNamingFileAndLine() throws {
        let dir = try temporaryDirectory()
        let path = dir + "/bad.yaml"
        try (header + "rules:\n  - in: { port: a, vlan: 4095 }\n    out: { port: b, vlan: 1 }\n").write(toFile: path, atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["check", "--config", path])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("\(path):7: VID 4095 is outside 1..4094"), result.stderr)

        let good = dir + "/good.yaml"
        try header.write(toFile: good, atomically: true, encoding: .utf8)
        XCTAssertEqual(try VFFwdProcess.run(["check", "--config", good]).status, 0)
        XCTAssertEqual(try VFFwdProcess.run(["check", "--config", dir + "/missing.yaml"]).status, 2)
        for option in ["--duration", "--stats-interval"] {
            let negative = try VFFwdProcess.run(["run", "--config", good, option, "-1"])
            XCTAssertEqual(negative.status, 2)
            XCTAssertTrue(negative.stderr.contains("\(option) must be a positive number of seconds"), negative.stderr)
        }
        XCTAssertEqual(try VFFwdProcess.run(["frobnicate"]).status, 2)
        XCTAssertEqual(try VFFwdProcess.run([]).status, 2, "no subcommand")
        XCTAssertEqual(try VFFwdProcess.run(["--help"]).status, 0)

        // A traffic file that is not there yet is not a config error, but check says so.
        let pending = dir + "/pending.yaml"
        try "ports: [{ name: a, device: \"net_pcap0,rx_pcap=\(dir)/later.pcap,tx_pcap=\(dir)/out.pcap\" }]\n"
            .write(toFile: pending, atomically: true, encoding: .utf8)
        let warned = try VFFwdProcess.run(["check", "--config", pending])
        XCTAssertEqual(warned.status, 0)
        XCTAssertTrue(warned.stderr.contains("vf-fwd: warning: port a: rx_pcap \(dir)/later.pcap: no such file"), warned.stderr)
        XCTAssertTrue(warned.stderr.contains("vf-fwd: warning: port a: no rule names it"), warned.stderr)
        XCTAssertEqual(warned.stdout, "\(pending): ok, 1 port, 0 rules (mirrors included), burst 32\n")
    }
}
