import VFDriver
import XCTest

/// vf-fwd end to end on real DPDK devices: the golden suite through `net_pcap` ports, and a
/// cross-connect on `net_null` ports. Each run is its own process with its own EAL.
final class PcapForwardingTests: XCTestCase {
    static let eal = ["--", "-l", "0", "--no-huge", "-m", "256", "--no-pci", "--log-level=3"]

    /// The golden suite through vf-fwd on pcap-backed ports: returns the frames each port sent
    /// and the stats JSON. `device(i, rx, tx)` is port i's device string; `offloads` turns on
    /// every port's VLAN strip and insert (`vlan-offload`).
    func runGolden(_ name: String, device: (Int, String, String) -> String, offloads: Bool = false) throws -> (sent: [String: [[UInt8]]], stats: StatsJSON) {
        let dir = try temporaryDirectory(name)
        let base = try ForwarderConfig.load(yaml: GoldenCases.yaml, file: "golden.yaml")
        var yaml = GoldenCases.yaml
        var inputs: [String: [[UInt8]]] = [:]
        for c in GoldenCases.all { inputs[c.inPort, default: []].append(c.input) }
        for (i, port) in base.ports.enumerated() {
            try PcapFile.write(inputs[port.name] ?? [], to: "\(dir)/in-\(port.name).pcap")
            let device = device(i, "\(dir)/in-\(port.name).pcap", "\(dir)/out-\(port.name).pcap")
            yaml = yaml.replacingOccurrences(of: "net_null\(i) }", with: "\"\(device)\"" + (offloads ? ", vlan-offload: true }" : " }"))
        }
        try yaml.write(toFile: "\(dir)/golden.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/golden.yaml", "--duration", "1.5",
                                           "--stats-json", "\(dir)/stats.json", "--quiet"] + Self.eal)
        XCTAssertEqual(result.status, 0, result.stderr)
        var sent: [String: [[UInt8]]] = [:]
        for port in base.ports { sent[port.name] = try PcapFile.read("\(dir)/out-\(port.name).pcap") }
        return (sent, try StatsJSON(path: "\(dir)/stats.json"))
    }

    /// Checks a golden run against the table: every frame byte for byte, every count exactly.
    func checkGolden(_ run: (sent: [String: [[UInt8]]], stats: StatsJSON), file: StaticString = #filePath, line: UInt = #line) {
        var inputs: [String: [[UInt8]]] = [:]
        var expected: [String: [[UInt8]]] = [:]
        var drops: [String: [DropReason: Int]] = [:]
        for c in GoldenCases.all {
            inputs[c.inPort, default: []].append(c.input)
            switch c.outcome {
            case .sent(let out, let frame): expected[out, default: []].append(frame)
            case .dropped(let reason): drops[c.inPort, default: [:]][reason, default: 0] += 1
            }
        }
        let stats = run.stats
        for (name, sent) in run.sent {
            let wanted = expected[name] ?? []
            XCTAssertEqual(sent.count, wanted.count, "frames out of \(name)", file: file, line: line)
            for (i, (got, want)) in zip(sent, wanted).enumerated() where got != want {
                XCTFail("\(name) frame \(i): got \(hex(got)), expected \(hex(want))", file: file, line: line)
            }
            XCTAssertEqual(stats.value(name, "rx_packets"), inputs[name]?.count ?? 0, name, file: file, line: line)
            XCTAssertEqual(stats.value(name, "tx_packets"), wanted.count, name, file: file, line: line)
            XCTAssertEqual(stats.value(name, "tx_bytes"), wanted.reduce(0) { $0 + $1.count }, name, file: file, line: line)
            XCTAssertEqual(stats.value(name, "rx_bytes"), (inputs[name] ?? []).reduce(0) { $0 + $1.count }, name, file: file, line: line)
            for reason in DropReason.allCases {
                XCTAssertEqual(stats.drop(name, reason.key), drops[name]?[reason] ?? 0, "\(reason.key) on \(name)", file: file, line: line)
            }
        }
        XCTAssertEqual(stats.total("rx_packets"), stats.total("tx_packets") + stats.total("dropped"), file: file, line: line)
        XCTAssertEqual(stats.total("rx_packets"), GoldenCases.all.count, file: file, line: line)
    }

    static func pcapDevice(_ i: Int, _ rx: String, _ tx: String) -> String { "net_pcap\(i),rx_pcap=\(rx),tx_pcap=\(tx)" }
    static func mockDevice(_ i: Int, _ rx: String, _ tx: String) -> String { "mock:rx_pcap=\(rx),tx_pcap=\(tx)" }

    func testGoldenSuiteThroughPcapPorts() throws {
        checkGolden(try runGolden("dpdk", device: Self.pcapDevice))
    }

    /// The library's VLAN tests on the mock: no EAL, no root.
    func testGoldenSuiteThroughMockPorts() throws {
        checkGolden(try runGolden("mock", device: Self.mockDevice))
    }

    /// Differential: one traffic file through DPDK's pcap PMD and through the mock gives the
    /// same frames and the same counts, the drivers' own packet counters included.
    func testMockMatchesDPDKPcapOnTheSameTraffic() throws {
        assertSameResults(try runGolden("dpdk-diff", device: Self.pcapDevice), try runGolden("mock-diff", device: Self.mockDevice))
    }

    /// The mock has the 82599 VF's VLAN strip and insert, the pcap PMD has neither: with
    /// offloads on, the mock's rewrite uses them and DPDK's is done in software, and still the
    /// frames and every count, bytes included, are the same.
    func testMockWithVLANOffloadsMatchesDPDKInSoftware() throws {
        let mock = try runGolden("mock-offload", device: Self.mockDevice, offloads: true)
        checkGolden(mock)
        assertSameResults(try runGolden("dpdk-offload", device: Self.pcapDevice, offloads: true), mock)
    }

    func assertSameResults(_ dpdk: (sent: [String: [[UInt8]]], stats: StatsJSON), _ mock: (sent: [String: [[UInt8]]], stats: StatsJSON),
                           file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(dpdk.sent, mock.sent, file: file, line: line)
        for name in dpdk.sent.keys {
            for key in ["rx_packets", "rx_bytes", "tx_packets", "tx_bytes"] {
                XCTAssertEqual(dpdk.stats.value(name, key), mock.stats.value(name, key), "\(key) of \(name)", file: file, line: line)
            }
            for reason in DropReason.allCases {
                XCTAssertEqual(dpdk.stats.drop(name, reason.key), mock.stats.drop(name, reason.key), "\(reason.key) of \(name)",
                               file: file, line: line)
            }
            for key in ["ipackets", "opackets"] {
                let d = (dpdk.stats.port(name)["device"] as! [String: Any])[key] as! Int
                let m = (mock.stats.port(name)["device"] as! [String: Any])[key] as! Int
                XCTAssertEqual(d, m, "device \(key) of \(name)", file: file, line: line)
            }
        }
    }

    /// Spec section 4: a cross-connect forwards without parsing, so a runt passes too, and so
    /// does a frame longer than a packet buffer (in segments). DPDK's pcap PMD captures a frame in
    /// segments up to 16128 bytes (RTE_ETH_PCAP_SNAPLEN); the mock's `tx_pcap` does the same.
    func crossConnect(_ name: String, device: (Int, String, String) -> String) throws {
        let dir = try temporaryDirectory(name)
        let frames: [[UInt8]] = [Array(Frame().bytes.prefix(5)), Frame(tags: [tag(4095)]).bytes,
                                 Frame(tags: [tag(1), tag(2), tag(3)]).bytes, Frame(payloadBytes: 3000).bytes,
                                 Frame(tags: [tag(7)], payloadBytes: 20_000).bytes]
        try PcapFile.write(frames, to: "\(dir)/in.pcap")
        try PcapFile.write([], to: "\(dir)/empty.pcap")
        try """
            ports:
              - { name: a, device: "\(device(0, "\(dir)/in.pcap", "\(dir)/a.pcap"))" }
              - { name: b, device: "\(device(1, "\(dir)/empty.pcap", "\(dir)/b.pcap"))", mtu: 9000 }
            rules:
              - { in: { port: a, vlan: any }, out: { port: b }, bidirectional: true }
            """.write(toFile: "\(dir)/xc.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/xc.yaml", "--duration", "1", "--stats-json", "\(dir)/s.json"] + Self.eal)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try PcapFile.read("\(dir)/b.pcap"), frames.dropLast() + [Array(frames.last!.prefix(16128))])
        let stats = try StatsJSON(path: "\(dir)/s.json")
        XCTAssertEqual(stats.value("a", "rx_packets"), 5)
        XCTAssertEqual(stats.value("b", "tx_packets"), 5)
        XCTAssertEqual(stats.value("b", "tx_bytes"), frames.reduce(0) { $0 + $1.count })
        XCTAssertTrue(result.stdout.contains("total"), "prints the per-port table")
    }

    func testCrossConnectForwardsEverythingUnparsed() throws {
        try crossConnect("dpdk", device: Self.pcapDevice)
    }

    func testMockCrossConnectForwardsEverythingUnparsed() throws {
        try crossConnect("mock", device: Self.mockDevice)
    }

    /// A pcapng traffic file (what Wireshark writes), big-endian, with every packet block type
    /// and two sections, gives the same frames through DPDK's pcap PMD (libpcap) and the mock.
    func testPcapNGTrafficReadsTheSameThroughDPDKAndTheMock() throws {
        let frames = (0..<9).map { Frame(tags: $0 % 3 == 0 ? [] : [tag(UInt16($0))], payloadBytes: 46 + 3 * $0, seed: $0).bytes }
        for (name, device) in [("dpdk", Self.pcapDevice), ("mock", Self.mockDevice)] {
            let dir = try temporaryDirectory(name)
            try Data(PcapNGWriter.file([Array(frames.prefix(5)), Array(frames.dropFirst(5))], bigEndian: true))
                .write(to: URL(fileURLWithPath: "\(dir)/in.pcapng"))
            try PcapFile.write([], to: "\(dir)/empty.pcap")
            try """
                ports:
                  - { name: a, device: "\(device(0, "\(dir)/in.pcapng", "\(dir)/a.pcap"))" }
                  - { name: b, device: "\(device(1, "\(dir)/empty.pcap", "\(dir)/b.pcap"))" }
                rules:
                  - { in: { port: a, vlan: any }, out: { port: b } }
                """.write(toFile: "\(dir)/ng.yaml", atomically: true, encoding: .utf8)
            let result = try VFFwdProcess.run(["run", "--config", "\(dir)/ng.yaml", "--duration", "1", "--quiet"] + Self.eal)
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertEqual(try PcapFile.read("\(dir)/b.pcap"), frames, name)
        }
    }

    func testNullPortsForwardAndAccountExactly() throws {
        let dir = try temporaryDirectory()
        try """
            ports:
              - { name: a, device: net_null0 }
              - { name: b, device: net_null1 }
            rules:
              - { in: { port: a, vlan: any }, out: { port: b }, bidirectional: true }
            """.write(toFile: "\(dir)/null.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/null.yaml", "--duration", "1", "--stats-json", "\(dir)/s.json",
                                           "--stats-interval", "0.4"] + Self.eal)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("a: net_null, MAC "), "says what each port is")
        let intervals = result.stdout.split(separator: "\n").filter { $0.hasPrefix("[") }
        XCTAssertFalse(intervals.isEmpty, result.stdout)
        XCTAssertNotNil(intervals.first?.wholeMatch(of: #/\[\d+\.\d{3} s\] a rx \d+ \(\d+\.\d{3} Mpps\) tx \d+ \(\d+\.\d{3} Mpps\) drop 0 \| b .+/#),
                        result.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/var/run/dpdk/vf-fwd-\(result.processID)"),
                       "the EAL's runtime directory of the run's own file prefix is removed")
        let stats = try StatsJSON(path: "\(dir)/s.json")
        XCTAssertGreaterThan(stats.total("rx_packets"), 100_000)
        XCTAssertEqual(stats.total("rx_packets"), stats.total("tx_packets") + stats.total("dropped"))
        XCTAssertEqual(stats.value("a", "rx_packets"), stats.port("a")["device"].flatMap { ($0 as? [String: Any])?["ipackets"] as? Int })
    }

    /// A net_ring port is a loop: what it sends comes back on its RX. Frames still in that loop
    /// when the run ends were not received; the ring PMD would not free them at close, so vf-fwd
    /// does, and still exits 0 with every buffer back in its pool.
    func testFramesLeftInARingPortsLoopGoBackToThePool() throws {
        let dir = try temporaryDirectory()
        try """
            ports:
              - { name: a, device: net_null0 }
              - { name: r, device: net_ring0 }
            rules:
              - { in: { port: a, vlan: untagged }, out: { port: r, vlan: 200 } }
              - { in: { port: r, vlan: 200 }, out: { port: r, vlan: [300, 301] } }
            """.write(toFile: "\(dir)/loop.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/loop.yaml", "--duration", "0.5", "--stats-json", "\(dir)/s.json", "--quiet"] + Self.eal)
        XCTAssertEqual(result.status, 0, result.stderr)
        let stats = try StatsJSON(path: "\(dir)/s.json")
        XCTAssertGreaterThan(stats.value("r", "rx_packets"), 0)
        XCTAssertEqual(stats.total("rx_packets"), stats.total("tx_packets") + stats.total("dropped"))
    }

    /// Two lanes on two worker lcores (the main lcore only controls), each with its own RX and
    /// TX queue of every port. Lcores 0 and 1 share CPU 0: this machine may have only two.
    func testTwoLanesOnTwoWorkerLcores() throws {
        let dir = try temporaryDirectory()
        try """
            ports:
              - { name: a, device: net_null0, rx-queues: 2, tx-queues: 2 }
              - { name: b, device: net_null1, rx-queues: 2, tx-queues: 2 }
            rules:
              - { in: { port: a, vlan: any }, out: { port: b }, bidirectional: true }
            """.write(toFile: "\(dir)/ml.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/ml.yaml", "--duration", "1", "--stats-json", "\(dir)/s.json",
                                           "--quiet", "--", "--lcores=0@0,1@0,2@1", "--no-huge", "-m", "256", "--no-pci", "--log-level=3"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/var/run/dpdk/vf-fwd-\(result.processID)"),
                       "the EAL's runtime directory of the run's own file prefix is removed")
        let stats = try StatsJSON(path: "\(dir)/s.json")
        XCTAssertGreaterThan(stats.total("rx_packets"), 100_000)
        XCTAssertEqual(stats.total("rx_packets"), stats.total("tx_packets") + stats.total("dropped"))
    }

    /// Tagged frames out of one end of a kernel veth pair and in at the other, through DPDK's
    /// af_packet PMD on both ends (the PMD hands a tag the kernel took off back in the frame).
    func testAFPacketPortsOverAVethPair() throws {
        try afPacketPorts(offloads: false)
    }

    /// The same with the af_packet PMD's VLAN offloads, which have the 82599's mbuf semantics:
    /// on receive the tag arrives stripped, in `vlan_tci`; on transmit the PMD inserts the tag
    /// vf-fwd leaves to it. The frames out are the same as without offloads.
    func testAFPacketPortsWithVLANOffloads() throws {
        try afPacketPorts(offloads: true)
    }

    func afPacketPorts(offloads: Bool) throws {
        let a = "vfa\(getpid() % 100_000)", b = "vfb\(getpid() % 100_000)"
        guard shell("ip link add \(a) type veth peer name \(b)") else { throw XCTSkip("cannot create a veth pair (needs root and iproute2)") }
        defer { _ = shell("ip link del \(a)") }
        // No IPv6 autoconfiguration chatter on the wire: only our frames.
        for name in [a, b] {
            let ipv6 = "/proc/sys/net/ipv6/conf/\(name)/disable_ipv6"
            XCTAssertTrue(shell("[ ! -e \(ipv6) ] || echo 1 > \(ipv6)"))
            XCTAssertTrue(shell("ip link set \(name) up"))
        }
        let dir = try temporaryDirectory("af-\(offloads)")
        let tagged = (0..<100).map { Frame(tags: [tag(100, pcp: UInt16($0 % 8))], seed: $0) }
        let untagged = (0..<20).map { Frame(seed: 100 + $0) }
        try PcapFile.write((tagged + untagged).map(\.bytes), to: "\(dir)/in.pcap")
        try PcapFile.write([], to: "\(dir)/empty.pcap")
        try """
            ports:
              - { name: src, device: "net_pcap0,rx_pcap=\(dir)/in.pcap,tx_pcap=\(dir)/unused.pcap" }
              - { name: a0, device: "net_af_packet0,iface=\(a)", vlan-offload: \(offloads) }
              - { name: a1, device: "net_af_packet1,iface=\(b)", vlan-offload: \(offloads) }
              - { name: dst, device: "net_pcap1,rx_pcap=\(dir)/empty.pcap,tx_pcap=\(dir)/out.pcap" }
            rules:
              - { in: { port: src, vlan: 100 }, out: { port: a0, vlan: 200 } }
              - { in: { port: src, vlan: untagged }, out: { port: a0, vlan: 201 } }
              - { in: { port: a1, vlan: 200 }, out: { port: dst, vlan: 300 } }
              - { in: { port: a1, vlan: 201 }, out: { port: dst, vlan: untagged } }
            """.write(toFile: "\(dir)/af.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/af.yaml", "--duration", "2", "--stats-json", "\(dir)/s.json", "--quiet"] + Self.eal)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try PcapFile.read("\(dir)/out.pcap"), tagged.map { GoldenCases.rewritten($0, to: [300]) } + untagged.map(\.bytes))
        let stats = try StatsJSON(path: "\(dir)/s.json")
        XCTAssertEqual(stats.total("rx_packets"), stats.total("tx_packets") + stats.total("dropped"))
        XCTAssertEqual(stats.value("a1", "rx_bytes"), stats.value("a0", "tx_bytes"), "the wire's bytes, counted alike on both ends")
    }

    func shell(_ command: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command + " 2>/dev/null"]
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// A device that refuses the config's set-up exits 3 naming the port as the config does.
    func testRefusedPortSetUpNamesTheConfigsPort() throws {
        let dir = try temporaryDirectory()
        try PcapFile.write([], to: "\(dir)/in.pcap")
        try """
            ports:
              - { name: a, device: net_null0 }
              - { name: replay, device: "net_pcap0,rx_pcap=\(dir)/in.pcap,tx_pcap=\(dir)/out.pcap", tx-queues: 2 }
            rules: [{ in: { port: a, vlan: any }, out: { port: replay } }]
            """.write(toFile: "\(dir)/q.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/q.yaml", "--duration", "1", "--quiet"] + Self.eal)
        XCTAssertEqual(result.status, 3)
        XCTAssertTrue(result.stderr.contains("vf-fwd: configuring port replay (net_pcap) failed: Invalid argument; it has at most 1 RX and 1 TX queues"),
                      result.stderr)
    }

    func testEALFailureExitsThreeWithAdvice() throws {
        let dir = try temporaryDirectory()
        try "ports: [{ name: a, device: net_nosuchpmd0 }]\n".write(toFile: "\(dir)/bad.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/bad.yaml", "--duration", "1"] + Self.eal)
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertTrue(result.stderr.contains("vf-fwd: "), result.stderr)

        // A pcap port whose input file is missing: the PMD refuses it, and vf-fwd says why.
        try """
            ports:
              - { name: a, device: "net_pcap0,rx_pcap=\(dir)/missing.pcap,tx_pcap=\(dir)/out.pcap" }
              - { name: b, device: net_null0 }
            rules: [{ in: { port: a, vlan: any }, out: { port: b } }]
            """.write(toFile: "\(dir)/missing.yaml", atomically: true, encoding: .utf8)
        let missing = try VFFwdProcess.run(["run", "--config", "\(dir)/missing.yaml", "--duration", "1"] + Self.eal)
        XCTAssertEqual(missing.status, 3, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("rx_pcap \(dir)/missing.pcap: no such file"), missing.stderr)
    }

    /// The mock's files fail as the pcap PMD's do, when the device is created (exit 3, with the
    /// reason), and an unwritable `--stats-json` before anything is forwarded (exit 2).
    func testFileProblemsStopTheRunBeforeForwarding() throws {
        let dir = try temporaryDirectory()
        try PcapFile.write([Frame().bytes], to: "\(dir)/in.pcap")
        func config(rx: String, tx: String) throws -> String {
            try """
                ports:
                  - { name: a, device: "mock:rx_pcap=\(rx),tx_pcap=\(tx)" }
                  - { name: b, device: "mock:" }
                rules: [{ in: { port: a, vlan: any }, out: { port: b } }]
                """.write(toFile: "\(dir)/m.yaml", atomically: true, encoding: .utf8)
            return "\(dir)/m.yaml"
        }
        let noOutput = try VFFwdProcess.run(["run", "--config", try config(rx: "\(dir)/in.pcap", tx: "\(dir)/no/out.pcap"), "--duration", "1"])
        XCTAssertEqual(noOutput.status, 3, noOutput.stderr)
        XCTAssertTrue(noOutput.stderr.contains("\(dir)/no/out.pcap: cannot create tx_pcap (No such file or directory)"), noOutput.stderr)
        let noInput = try VFFwdProcess.run(["run", "--config", try config(rx: "\(dir)/none.pcap", tx: "\(dir)/out.pcap"), "--duration", "1"])
        XCTAssertEqual(noInput.status, 3, noInput.stderr)
        XCTAssertTrue(noInput.stderr.contains("\(dir)/none.pcap: cannot read the file (No such file or directory)"), noInput.stderr)
        let noStats = try VFFwdProcess.run(["run", "--config", try config(rx: "\(dir)/in.pcap", tx: "\(dir)/out.pcap"),
                                            "--duration", "1", "--stats-json", "\(dir)/no/s.json"])
        XCTAssertEqual(noStats.status, 2, noStats.stderr)
        XCTAssertTrue(noStats.stderr.contains("--stats-json \(dir)/no/s.json: cannot write in \(dir)/no"), noStats.stderr)
        let intoDirectory = try VFFwdProcess.run(["run", "--config", try config(rx: "\(dir)/in.pcap", tx: "\(dir)/out.pcap"),
                                                  "--duration", "1", "--stats-json", dir])
        XCTAssertEqual(intoDirectory.status, 2, intoDirectory.stderr)
        XCTAssertTrue(intoDirectory.stderr.contains("is a directory"), intoDirectory.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/out.pcap"), "nothing ran")
    }

    /// A shutdown that fails (here the mock's tx_pcap cannot be written: /dev/full) still
    /// writes the stats JSON and prints the table, then exits 1 with the reason.
    func testCountsAreReportedWhenTheShutdownFails() throws {
        let dir = try temporaryDirectory()
        try PcapFile.write((0..<10).map { Frame(tags: [tag(5)], seed: $0).bytes }, to: "\(dir)/in.pcap")
        try """
            ports:
              - { name: a, device: "mock:rx_pcap=\(dir)/in.pcap" }
              - { name: b, device: "mock:tx_pcap=/dev/full", mac-addresses: ["02:00:5e:10:00:01"] }
            rules: [{ in: { port: a, vlan: 5 }, out: { port: b, vlan: 6 } }]
            """.write(toFile: "\(dir)/full.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/full.yaml", "--duration", "0.5", "--stats-json", "\(dir)/s.json"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("/dev/full: cannot write tx_pcap (No space left on device)"), result.stderr)
        XCTAssertTrue(result.stdout.contains("total"), "prints the per-port table")
        XCTAssertTrue(result.stdout.contains("b: mock 82599 VF, MAC 02:09:00:00:00:01 and 02:00:5e:10:00:01\n"),
                      "says what each port is")
        let stats = try StatsJSON(path: "\(dir)/s.json")
        XCTAssertEqual(stats.value("a", "rx_packets"), 10)
        XCTAssertEqual(stats.value("b", "tx_packets"), 10)
    }

    /// Hugepage mode without hugepages reserved: exit 3, saying so and what to do.
    func testNoHugepagesExitsThreeWithAdvice() throws {
        guard EAL.reservedHugepages == 0 else { throw XCTSkip("this machine has hugepages reserved (scripts/hugepages.sh release)") }
        let dir = try temporaryDirectory()
        try "ports: [{ name: a, device: net_null0 }, { name: b, device: net_null1 }]\n"
            .write(toFile: "\(dir)/null.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/null.yaml", "--duration", "1",
                                           "--", "-l", "0", "-m", "64", "--no-pci", "--log-level=3"])
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertTrue(result.stderr.contains("no hugepages are reserved: run `scripts/hugepages.sh reserve 1024`"), result.stderr)
    }

    /// An EAL argument the EAL refuses: exit 3, pointing at the arguments, not at hugepages.
    func testRefusedEALArgumentExitsThreeSayingSo() throws {
        let dir = try temporaryDirectory()
        try "ports: [{ name: a, device: net_null0 }, { name: b, device: net_null1 }]\n"
            .write(toFile: "\(dir)/null.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/null.yaml", "--duration", "1",
                                           "--", "-l", "0", "--no-huge", "--no-such-option"])
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertTrue(result.stderr.contains("an EAL argument was refused"), result.stderr)
        XCTAssertFalse(result.stderr.contains("hugepages.sh"), result.stderr)
    }

    /// Interval lines reach a pipe as they are printed, not when the run ends.
    func testIntervalLinesReachAPipeWhileRunning() throws {
        let dir = try temporaryDirectory()
        try "ports: [{ name: a, device: net_null0 }, { name: b, device: net_null1 }]\n"
            .write(toFile: "\(dir)/null.yaml", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = VFFwdProcess.productsDirectory.appendingPathComponent("vf-fwd")
        process.arguments = ["run", "--config", "\(dir)/null.yaml", "--duration", "4", "--stats-interval", "0.2"] + Self.eal
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.waitUntilExit() }
        var seen = ""
        while !seen.contains("[0.") {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        XCTAssertTrue(seen.contains("[0."), seen)
        XCTAssertTrue(process.isRunning, "an interval line arrived only at exit")
        process.interrupt()
    }

    /// A second process on a file prefix a running one holds: exit 3, naming the prefix (the EAL
    /// sets no rte_errno for this).
    func testFilePrefixInUseExitsThreeNamingIt() throws {
        let dir = try temporaryDirectory()
        try "ports: [{ name: a, device: net_null0 }, { name: b, device: net_null1 }]\n"
            .write(toFile: "\(dir)/null.yaml", atomically: true, encoding: .utf8)
        let prefix = "vf-test-shared-\(getpid())"
        let eal = ["--", "-l", "0", "--no-huge", "-m", "128", "--no-pci", "--log-level=3", "--file-prefix", prefix]
        let first = Process()
        first.executableURL = VFFwdProcess.productsDirectory.appendingPathComponent("vf-fwd")
        first.arguments = ["run", "--config", "\(dir)/null.yaml", "--duration", "3", "--quiet"] + eal
        try first.run()
        defer { first.waitUntilExit(); try? FileManager.default.removeItem(atPath: "/var/run/dpdk/\(prefix)") }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: "/var/run/dpdk/\(prefix)/config") { usleep(20_000) }
        usleep(200_000)
        let second = try VFFwdProcess.run(["run", "--config", "\(dir)/null.yaml", "--duration", "1", "--quiet"] + eal)
        XCTAssertEqual(second.status, 3, second.stderr)
        XCTAssertTrue(second.stderr.contains("another DPDK process runs with --file-prefix \(prefix)"), second.stderr)
        XCTAssertFalse(second.stderr.contains("Success"), second.stderr)
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0, "the first run is undisturbed")
    }

    /// More buffers than the EAL has memory for: exit 3, the reason and what to do.
    func testPoolTooLargeForTheMemoryExitsThreeWithAdvice() throws {
        let dir = try temporaryDirectory()
        try """
            ports:
              - { name: a, device: net_null0, rx-descriptors: 32768, tx-descriptors: 32768 }
              - { name: b, device: net_null1, rx-descriptors: 32768, tx-descriptors: 32768 }
            rules: [{ in: { port: a, vlan: any }, out: { port: b } }]
            """.write(toFile: "\(dir)/big.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/big.yaml", "--duration", "1",
                                           "--", "-l", "0", "--no-huge", "-m", "64", "--no-pci", "--log-level=3"])
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertTrue(result.stderr.contains("Cannot allocate memory"), result.stderr)
        XCTAssertTrue(result.stderr.contains("give the EAL more memory"), result.stderr)
    }

    /// A SIGKILLed run leaves its EAL runtime directory; the next run removes it, and never
    /// one whose primary process still runs (the EAL's lock on its config file), nor another
    /// prefix's.
    func testStaleRuntimeDirectoriesAreRemovedLiveOnesKept() throws {
        func endedProcessID() throws -> Int32 {
            let done = Process()
            done.executableURL = URL(fileURLWithPath: "/bin/true")
            try done.run()
            done.waitUntilExit()
            return done.processIdentifier
        }
        let root = try temporaryDirectory()
        let fm = FileManager.default
        let killed = "\(root)/vf-fwd-\(try endedProcessID())", failedEarly = "\(root)/vf-fwd-\(try endedProcessID())"
        let running = "\(root)/vf-fwd-1", other = "\(root)/someone-else-1"
        for directory in [killed, failedEarly, running, other] { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        XCTAssertTrue(fm.createFile(atPath: "\(killed)/config", contents: Data(count: 64)))
        XCTAssertEqual(Set(EAL.removeStaleRuntimeDirectories(root: root)), [killed, failedEarly])
        XCTAssertTrue(fm.fileExists(atPath: running), "process 1 runs, and its directory has no config to say otherwise")
        XCTAssertTrue(fm.fileExists(atPath: other))

        // A vf-fwd that runs: its primary holds the lock on its config file.
        let dir = try temporaryDirectory("live")
        try "ports: [{ name: a, device: net_null0 }, { name: b, device: net_null1 }]\n"
            .write(toFile: "\(dir)/null.yaml", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = VFFwdProcess.productsDirectory.appendingPathComponent("vf-fwd")
        process.arguments = ["run", "--config", "\(dir)/null.yaml", "--duration", "5", "--quiet"] + Self.eal
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let live = "/var/run/dpdk/vf-fwd-\(process.processIdentifier)"
        for _ in 0..<100 where !fm.fileExists(atPath: "\(live)/config") { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertTrue(fm.fileExists(atPath: "\(live)/config"))
        XCTAssertFalse(EAL.removeStaleRuntimeDirectories().contains(live))
        XCTAssertTrue(fm.fileExists(atPath: live), "a running vf-fwd keeps its directory")
        process.terminate()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }

    func testSIGTERMStopsCleanly() throws {
        let dir = try temporaryDirectory()
        try """
            ports: [{ name: a, device: net_null0 }, { name: b, device: net_null1 }]
            rules: [{ in: { port: a, vlan: any }, out: { port: b } }]
            """.write(toFile: "\(dir)/null.yaml", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = VFFwdProcess.productsDirectory.appendingPathComponent("vf-fwd")
        process.arguments = ["run", "--config", "\(dir)/null.yaml", "--stats-json", "\(dir)/s.json", "--quiet"] + Self.eal
        try process.run()
        Thread.sleep(forTimeInterval: 1.0)
        process.terminate()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let stats = try StatsJSON(path: "\(dir)/s.json")
        XCTAssertEqual(stats.total("rx_packets"), stats.total("tx_packets") + stats.total("dropped"))
    }
}
