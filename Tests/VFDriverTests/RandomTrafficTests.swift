import VFDriver
import XCTest

/// Random traffic through vf-fwd against `SpecModel`, the spec restated apart from the engine:
/// tag stacks of any TPID (0x9200 included, which is not one), PCPs, VIDs near the rules' and
/// 0 and 4095, lengths around each port's MTU, cuts anywhere; through a fixed set of rules of
/// every kind and through random ones; on DPDK's pcap PMD and the mock, with and without VLAN
/// offloads. A failure names its seed.
final class RandomTrafficTests: XCTestCase {
    static let mtus = ["a": 1500, "b": 1000, "c": 9000, "d": 1500, "x": 1500, "y": 1500]
    static let rules: [SpecModel.Rule] = [
        .init(inPort: "a", match: .stack([100]), outPort: "b", output: .stack([1001])),
        .init(inPort: "b", match: .stack([1001]), outPort: "a", output: .stack([100])),
        .init(inPort: "a", match: .untagged, outPort: "b", output: .stack([300])),
        .init(inPort: "b", match: .stack([300]), outPort: "a", output: .untagged),
        .init(inPort: "a", match: .stack([200]), outPort: "b", output: .stack([3000, 200])),
        .init(inPort: "b", match: .stack([3000, 10]), outPort: "a", output: .stack([10])),
        .init(inPort: "a", match: .stack([5, 6]), outPort: "c", output: .untagged),
        .init(inPort: "c", match: .stack([7]), outPort: "a", output: .stack([8, 9])),
        .init(inPort: "c", match: .stack([11, 12]), outPort: "a", output: .stack([13, 14])),
        .init(inPort: "c", match: .untagged, outPort: "d", output: .untagged),
        .init(inPort: "d", match: .stack([100]), outPort: "c", output: .stack([101])),
        .init(inPort: "d", match: nil, outPort: "c", output: nil),
        .init(inPort: "b", match: .stack([400]), outPort: "c", output: nil),
        .init(inPort: "x", match: nil, outPort: "y", output: nil),
        .init(inPort: "y", match: nil, outPort: "x", output: nil),
    ]
    static let vids: [UInt16] = [100, 1001, 300, 200, 3000, 10, 5, 6, 7, 11, 12, 400, 8, 0, 4095]

    static func yaml(mtus: [String: Int], rules: [SpecModel.Rule], device: (Int, String) -> String, offloads: Bool) -> String {
        func vlan(_ v: SpecModel.VLAN?) -> String {
            switch v {
            case nil: "any"
            case .untagged?: "untagged"
            case .stack(let vids)?: vids.count == 1 ? "\(vids[0])" : "[\(vids[0]), \(vids[1])]"
            }
        }
        let ports = mtus.keys.sorted().enumerated().map { i, name in
            "  - { name: \(name), device: \"\(device(i, name))\", mtu: \(mtus[name]!), vlan-offload: \(offloads) }"
        }
        let rules = rules.map { r in
            "  - { in: { port: \(r.inPort), vlan: \(vlan(r.match)) }, out: { port: \(r.outPort)"
                + (r.output.map { ", vlan: \(vlan($0))" } ?? "") + " } }"
        }
        return (["ports:"] + ports + (rules.isEmpty ? ["rules: []"] : ["rules:"] + rules)).joined(separator: "\n") + "\n"
    }

    static func randomFrame(_ random: inout SeededGenerator) -> [UInt8] {
        var frame = (0..<12).map { _ in UInt8.random(in: 0...255, using: &random) }
        for _ in 0..<[0, 0, 1, 1, 1, 2, 2, 3].randomElement(using: &random)! {
            let tpid: UInt16 = [0x8100, 0x8100, 0x8100, 0x88a8, 0x88a8, 0x9100, 0x9200].randomElement(using: &random)!
            let vid = Bool.random(using: &random) ? vids.randomElement(using: &random)! : UInt16.random(in: 0...4095, using: &random)
            let tci = UInt16.random(in: 0...15, using: &random) << 12 | vid
            frame += [UInt8(tpid >> 8), UInt8(tpid & 0xff), UInt8(tci >> 8), UInt8(tci & 0xff)]
        }
        let etherType: UInt16 = [0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8].randomElement(using: &random)!
        frame += [UInt8(etherType >> 8), UInt8(etherType & 0xff)]
        let around = [0, 1, 46, 500, 1000, 1500, 3000, 9000].randomElement(using: &random)!
        let payload = max(0, around + [-8, -4, -1, 0, 0, 0, 1, 4, 8].randomElement(using: &random)!)
        frame += (0..<payload).map { _ in UInt8.random(in: 0...255, using: &random) }
        if Int.random(in: 0..<12, using: &random) == 0 { frame = Array(frame.prefix(Int.random(in: 0..<24, using: &random))) }
        return frame
    }

    /// Random rules among two to four ports of random MTUs: every kind of match and rewrite,
    /// forward-as-it-came, cross-connects, ports sending to themselves, ports without rules.
    static func randomRules(_ random: inout SeededGenerator) -> (mtus: [String: Int], rules: [SpecModel.Rule]) {
        let ports = ["p", "q", "r", "s"].prefix(Int.random(in: 2...4, using: &random))
        let mtus = Dictionary(uniqueKeysWithValues: ports.map { ($0, [68, 1000, 1500, 9000].randomElement(using: &random)!) })
        let stacks: [SpecModel.VLAN] = [.untagged, .stack([100]), .stack([200]), .stack([5]), .stack([3000, 10]), .stack([100, 200])]
        var rules: [SpecModel.Rule] = []
        for _ in 0..<Int.random(in: 0...7, using: &random) {
            let inPort = ports.randomElement(using: &random)!, outPort = ports.randomElement(using: &random)!
            let match: SpecModel.VLAN? = Int.random(in: 0..<5, using: &random) == 0 ? nil : stacks.randomElement(using: &random)!
            // Two rules with one `in` are a config error.
            guard !rules.contains(where: { $0.inPort == inPort && $0.match == match }) else { continue }
            let output: SpecModel.VLAN? = match == nil || Int.random(in: 0..<5, using: &random) == 0 ? nil : stacks.randomElement(using: &random)!
            rules.append(.init(inPort: inPort, match: match, outPort: outPort, output: output))
        }
        return (mtus, rules)
    }

    func check(seed: UInt64, framesPerPort: Int, randomRules: Bool = false, device: @escaping (Int, String, String, String) -> String,
               offloads: Bool, eal: [String] = []) throws {
        var random = SeededGenerator(state: seed)
        let (mtus, rules) = randomRules ? Self.randomRules(&random) : (Self.mtus, Self.rules)
        let dir = try temporaryDirectory("\(name)-\(seed)")
        var received: [String: [[UInt8]]] = [:]
        for port in mtus.keys.sorted() {
            received[port] = (0..<framesPerPort).map { _ in Self.randomFrame(&random) }
            try PcapFile.write(received[port]!, to: "\(dir)/in-\(port).pcap")
        }
        let yaml = Self.yaml(mtus: mtus, rules: rules, device: { i, port in device(i, port, "\(dir)/in-\(port).pcap", "\(dir)/out-\(port).pcap") },
                             offloads: offloads)
        try yaml.write(toFile: "\(dir)/random.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/random.yaml", "--duration", "1.5",
                                           "--stats-json", "\(dir)/stats.json", "--quiet"] + eal)
        XCTAssertEqual(result.status, 0, "seed \(seed): \(result.stderr)\n\(yaml)")
        guard result.status == 0 else { return }
        let (expected, counts) = SpecModel(mtus: mtus, rules: rules).forward(received)
        let stats = try StatsJSON(path: "\(dir)/stats.json")
        for port in mtus.keys.sorted() {
            // Frames of several in ports interleave on an out port: compare them sorted.
            let sent = try PcapFile.read("\(dir)/out-\(port).pcap")
            let sortedSent = sent.sorted { $0.lexicographicallyPrecedes($1) }
            let sortedExpected = (expected[port] ?? []).sorted { $0.lexicographicallyPrecedes($1) }
            XCTAssertEqual(sortedSent.count, sortedExpected.count, "seed \(seed): frames out of \(port)")
            if let (got, want) = zip(sortedSent, sortedExpected).first(where: { $0 != $1 }) {
                func head(_ f: [UInt8]) -> String { "\(hex(Array(f.prefix(32))))… (\(f.count) bytes)" }
                XCTFail("seed \(seed), \(port): sent \(head(got)) where the model sends \(head(want))")
            }
            let want = counts[port]!
            var got = SpecModel.Counts(rxPackets: stats.value(port, "rx_packets"), rxBytes: stats.value(port, "rx_bytes"),
                                       txPackets: stats.value(port, "tx_packets"), txBytes: stats.value(port, "tx_bytes"))
            for reason in want.drops.keys { got.drops[reason] = stats.drop(port, reason) }
            XCTAssertEqual(got, want, "seed \(seed), counts of \(port)")
        }
    }

    func testRandomTrafficThroughPcapPortsMatchesTheSpec() throws {
        for seed: UInt64 in 1...3 {
            try check(seed: seed, framesPerPort: 400, device: { i, _, rx, tx in "net_pcap\(i),rx_pcap=\(rx),tx_pcap=\(tx)" },
                      offloads: false, eal: PcapForwardingTests.eal)
        }
    }

    func testRandomTrafficThroughMockPortsMatchesTheSpec() throws {
        for seed: UInt64 in 4...6 {
            try check(seed: seed, framesPerPort: 400, device: { _, _, rx, tx in "mock:rx_pcap=\(rx),tx_pcap=\(tx)" }, offloads: false)
        }
    }

    /// Tags the mock's RX strip took off are classified, and tags its TX insert adds are written,
    /// exactly as the software path does.
    func testRandomRulesThroughPcapPortsMatchTheSpec() throws {
        for seed: UInt64 in 101...106 {
            try check(seed: seed, framesPerPort: 150, randomRules: true,
                      device: { i, _, rx, tx in "net_pcap\(i),rx_pcap=\(rx),tx_pcap=\(tx)" }, offloads: false, eal: PcapForwardingTests.eal)
        }
    }

    func testRandomRulesThroughMockPortsMatchTheSpec() throws {
        for seed: UInt64 in 201...206 {
            try check(seed: seed, framesPerPort: 150, randomRules: true, device: { _, _, rx, tx in "mock:rx_pcap=\(rx),tx_pcap=\(tx)" },
                      offloads: seed % 2 == 0)
        }
    }

    func testRandomTrafficThroughMockPortsWithOffloadsMatchesTheSpec() throws {
        for seed: UInt64 in 7...9 {
            try check(seed: seed, framesPerPort: 400, device: { _, _, rx, tx in "mock:rx_pcap=\(rx),tx_pcap=\(tx)" }, offloads: true)
        }
    }
}
