import VFDriver
import XCTest

/// vf-fwd end to end on real DPDK devices: the golden suite through `net_pcap` ports and the
/// mock, compared; cross-connects; `net_null`, `net_ring` and `net_af_packet` ports; two lanes.
/// Each run is its own process with its own EAL.
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

    /// Two memif ports of one process, server and client on one socket: their links come up
    /// once they connect, which vf-fwd waits for before forwarding if need be, and the server can
    /// send only into buffers the client's receive gave it, which the lane's first, empty
    /// receive does; so every frame of the traffic file crosses, from the first.
    func testMemifPairForwardsEveryFrameFromTheFirst() throws {
        let dir = try temporaryDirectory()
        let sizes = (0..<300).map { [0, 46, 100, 1400][$0 % 4] }
        try PcapFile.write(sizes.enumerated().map { Frame(tags: [tag(100, pcp: 3)], payloadBytes: $1, seed: $0).bytes }, to: "\(dir)/in.pcap")
        try PcapFile.write([], to: "\(dir)/empty.pcap")
        try """
            ports:
              - { name: src, device: "net_pcap0,rx_pcap=\(dir)/in.pcap,tx_pcap=\(dir)/back.pcap" }
              - { name: m0, device: "net_memif0,role=server,socket=\(dir)/m.sock,id=0" }
              - { name: m1, device: "net_memif1,role=client,socket=\(dir)/m.sock,id=0" }
              - { name: dst, device: "net_pcap1,rx_pcap=\(dir)/empty.pcap,tx_pcap=\(dir)/out.pcap" }
            rules:
              - { in: { port: src, vlan: any }, out: { port: m0 } }
              - { in: { port: m1, vlan: 100 }, out: { port: dst, vlan: 200 } }
            """.write(toFile: "\(dir)/memif.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/memif.yaml", "--duration", "1", "--stats-json", "\(dir)/s.json"] + Self.eal)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(result.stdout.contains("link down"), result.stdout)
        XCTAssertEqual(try PcapFile.read("\(dir)/out.pcap"),
                       sizes.enumerated().map { Frame(tags: [tag(200, pcp: 3)], payloadBytes: $1, seed: $0).bytes })
        let stats = try StatsJSON(path: "\(dir)/s.json")
        XCTAssertEqual(stats.value("dst", "tx_packets"), 300)
        XCTAssertEqual(stats.total("dropped"), 0)
    }

    /// A port whose link never comes up (a memif server no client connects to): vf-fwd waits 9 s
    /// for it, as testpmd does, says so, then forwards anyway; what it is to send is `tx_full`.
    func testAPortWhoseLinkStaysDownIsWaitedForThenForwardedTo() throws {
        let dir = try temporaryDirectory()
        try PcapFile.write((0..<10).map { Frame(seed: $0).bytes }, to: "\(dir)/in.pcap")
        try """
            ports:
              - { name: src, device: "net_pcap0,rx_pcap=\(dir)/in.pcap,tx_pcap=\(dir)/back.pcap" }
              - { name: m0, device: "net_memif0,role=server,socket=\(dir)/m.sock,id=0" }
            rules:
              - { in: { port: src, vlan: any }, out: { port: m0 } }
            """.write(toFile: "\(dir)/alone.yaml", atomically: true, encoding: .utf8)
        let started = Date()
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/alone.yaml", "--duration", "0.5", "--stats-json", "\(dir)/s.json"] + Self.eal)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertGreaterThan(Date().timeIntervalSince(started), 9)
        // The first link check comes within the run's first milliseconds.
        XCTAssertNotNil(result.stdout.firstMatch(of: #/waiting up to 9 s for the link of m0\n\[0\.0\d\d s\] m0: link down\n/#), result.stdout)
        let stats = try StatsJSON(path: "\(dir)/s.json")
        XCTAssertEqual(stats.drop("src", "tx_full"), 10)
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
}
