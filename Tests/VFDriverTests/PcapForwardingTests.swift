import VFDriver
import XCTest

/// vf-fwd end to end on real DPDK devices: the golden suite through `net_pcap` ports, and a
/// cross-connect on `net_null` ports. Each run is its own process with its own EAL.
final class PcapForwardingTests: XCTestCase {
    static let eal = ["--", "-l", "0", "--no-huge", "-m", "256", "--no-pci", "--log-level=3"]

    func testGoldenSuiteThroughPcapPorts() throws {
        let dir = try temporaryDirectory()
        let base = try ForwarderConfig.load(yaml: GoldenCases.yaml, file: "golden.yaml")
        var yaml = GoldenCases.yaml
        var inputs: [String: [[UInt8]]] = [:]
        for c in GoldenCases.all { inputs[c.inPort, default: []].append(c.input) }
        for (i, port) in base.ports.enumerated() {
            try PcapFile.write(inputs[port.name] ?? [], to: "\(dir)/in-\(port.name).pcap")
            yaml = yaml.replacingOccurrences(of: "net_null\(i) }", with: "\"net_pcap\(i),rx_pcap=\(dir)/in-\(port.name).pcap,tx_pcap=\(dir)/out-\(port.name).pcap\" }")
        }
        try yaml.write(toFile: "\(dir)/golden.yaml", atomically: true, encoding: .utf8)

        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/golden.yaml", "--duration", "1.5",
                                           "--stats-json", "\(dir)/stats.json", "--quiet"] + Self.eal)
        XCTAssertEqual(result.status, 0, result.stderr)
        let stats = try StatsJSON(path: "\(dir)/stats.json")

        var expected: [String: [[UInt8]]] = [:]
        var drops: [String: [DropReason: Int]] = [:]
        for c in GoldenCases.all {
            switch c.outcome {
            case .sent(let out, let frame): expected[out, default: []].append(frame)
            case .dropped(let reason): drops[c.inPort, default: [:]][reason, default: 0] += 1
            }
        }
        for port in base.ports {
            let sent = try PcapFile.read("\(dir)/out-\(port.name).pcap")
            let wanted = expected[port.name] ?? []
            XCTAssertEqual(sent.count, wanted.count, "frames out of \(port.name)")
            for (i, (got, want)) in zip(sent, wanted).enumerated() where got != want {
                XCTFail("\(port.name) frame \(i): got \(hex(got)), expected \(hex(want))")
            }
            XCTAssertEqual(stats.value(port.name, "rx_packets"), inputs[port.name]?.count ?? 0, port.name)
            XCTAssertEqual(stats.value(port.name, "tx_packets"), wanted.count, port.name)
            XCTAssertEqual(stats.value(port.name, "tx_bytes"), wanted.reduce(0) { $0 + $1.count }, port.name)
            XCTAssertEqual(stats.value(port.name, "rx_bytes"), (inputs[port.name] ?? []).reduce(0) { $0 + $1.count }, port.name)
            for reason in DropReason.allCases {
                XCTAssertEqual(stats.drop(port.name, reason.key), drops[port.name]?[reason] ?? 0, "\(reason.key) on \(port.name)")
            }
        }
        XCTAssertEqual(stats.total("rx_packets"), stats.total("tx_packets") + stats.total("dropped"))
        XCTAssertEqual(stats.total("rx_packets"), GoldenCases.all.count)
    }

    /// Spec section 4: a cross-connect forwards without parsing, so a runt passes too.
    func testCrossConnectForwardsEverythingUnparsed() throws {
        let dir = try temporaryDirectory()
        let frames: [[UInt8]] = [Array(Frame().bytes.prefix(5)), Frame(tags: [tag(4095)]).bytes,
                                 Frame(tags: [tag(1), tag(2), tag(3)]).bytes, Frame(payloadBytes: 3000).bytes]
        try PcapFile.write(frames, to: "\(dir)/in.pcap")
        try PcapFile.write([], to: "\(dir)/empty.pcap")
        try """
            ports:
              - { name: a, device: "net_pcap0,rx_pcap=\(dir)/in.pcap,tx_pcap=\(dir)/a.pcap" }
              - { name: b, device: "net_pcap1,rx_pcap=\(dir)/empty.pcap,tx_pcap=\(dir)/b.pcap", mtu: 9000 }
            rules:
              - { in: { port: a, vlan: any }, out: { port: b }, bidirectional: true }
            """.write(toFile: "\(dir)/xc.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/xc.yaml", "--duration", "1", "--stats-json", "\(dir)/s.json"] + Self.eal)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try PcapFile.read("\(dir)/b.pcap"), frames)
        let stats = try StatsJSON(path: "\(dir)/s.json")
        XCTAssertEqual(stats.value("a", "rx_packets"), 4)
        XCTAssertEqual(stats.value("b", "tx_packets"), 4)
        XCTAssertTrue(result.stdout.contains("total"), "prints the per-port table")
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
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/null.yaml", "--duration", "1", "--stats-json", "\(dir)/s.json"] + Self.eal)
        XCTAssertEqual(result.status, 0, result.stderr)
        let stats = try StatsJSON(path: "\(dir)/s.json")
        XCTAssertGreaterThan(stats.total("rx_packets"), 100_000)
        XCTAssertEqual(stats.total("rx_packets"), stats.total("tx_packets") + stats.total("dropped"))
        XCTAssertEqual(stats.value("a", "rx_packets"), stats.port("a")["device"].flatMap { ($0 as? [String: Any])?["ipackets"] as? Int })
    }

    func testEALFailureExitsThreeWithAdvice() throws {
        let dir = try temporaryDirectory()
        try "ports: [{ name: a, device: net_nosuchpmd0 }]\n".write(toFile: "\(dir)/bad.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/bad.yaml", "--duration", "1"] + Self.eal)
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertTrue(result.stderr.contains("vf-fwd: "), result.stderr)
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
