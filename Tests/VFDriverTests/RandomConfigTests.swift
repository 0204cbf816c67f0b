import Foundation
import VFDriver
import XCTest

/// vf-fwd's promise for any config it accepts: every frame received is sent or dropped for one
/// reason, and every buffer goes back to its pool. Seeded random configs (ports, queues, MTUs,
/// offloads, rules of every kind, bursts) with random traffic (runts, foreign MACs, every stack)
/// run on the mock, in this process, and on DPDK's virtual devices, through vf-fwd.
final class RandomConfigTests: XCTestCase {
    /// Random frames: for the VFs of emulated PF 1 (02:09:00:00:01:i), others, broadcast; with
    /// every kind of stack; some cut short.
    func traffic(_ random: inout SeededGenerator, count: Int) -> [[UInt8]] {
        let stacks: [[Frame.Tag]] = [[], [tag(0, pcp: 6)], [tag(100, pcp: 3)], [tag(200)], [tag(5)], [tag(4095)],
                                     [tag(3000, tpid: 0x88a8), tag(10)], [tag(100, tpid: 0x9100), tag(200)], [tag(1), tag(2), tag(3)]]
        return (0..<count).map { i in
            var bytes = Frame(tags: stacks.randomElement(using: &random)!, payloadBytes: Int.random(in: 0...1600, using: &random), seed: i).bytes
            let destinations: [[UInt8]] = [[0x02, 0x09, 0, 0, 1, UInt8.random(in: 0...3, using: &random)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                                           [0x01, 0x00, 0x5e, 0, 0, 1], Frame.destination]
            bytes.replaceSubrange(0..<6, with: destinations.randomElement(using: &random)!)
            return Array(bytes.prefix([bytes.count, bytes.count, bytes.count, 5, 13, 17, 60].randomElement(using: &random)!))
        }
    }

    /// Seed `seed`'s traffic, written to `dir`/in.pcap, and its config of up to four ports made
    /// by `device(i)`, with random rules among them.
    func seeded(_ seed: UInt64, dir: String, device: (Int, inout SeededGenerator) -> String) throws -> String {
        var random = SeededGenerator(state: seed)
        try PcapFile.write(traffic(&random, count: 300), to: "\(dir)/in.pcap")
        let ports = Int.random(in: 1...4, using: &random)
        var yaml = "ports:\n"
        for i in 0..<ports {
            yaml += "  - { name: p\(i), device: \"\(device(i, &random))\", rx-queues: \([1, 2].randomElement(using: &random)!), "
                + "tx-queues: \([1, 2].randomElement(using: &random)!), mtu: \([68, 1500, 9000].randomElement(using: &random)!), "
                + "rx-descriptors: \([64, 512].randomElement(using: &random)!), vlan-offload: \(Bool.random(using: &random)) }\n"
        }
        let vlans = ["any", "untagged", "100", "200", "5", "[3000, 10]", "[100, 200]"]
        var rules: [String] = [], taken = Set<String>()
        for _ in 0..<Int.random(in: 0...6, using: &random) {
            let from = Int.random(in: 0..<ports, using: &random), to = Int.random(in: 0..<ports, using: &random)
            let match = vlans.randomElement(using: &random)!
            // Two rules with one `in` are a config error: skip a repeat.
            guard taken.insert("\(from) \(match)").inserted else { continue }
            let out = match == "any" || Int.random(in: 0..<5, using: &random) == 0
                ? "{ port: p\(to) }" : "{ port: p\(to), vlan: \(vlans.dropFirst().randomElement(using: &random)!) }"
            rules.append("  - { in: { port: p\(from), vlan: \(match) }, out: \(out) }")
        }
        yaml += rules.isEmpty ? "rules: []\n" : "rules:\n" + rules.joined(separator: "\n") + "\n"
        return yaml + "forwarding: { burst: \([1, 4, 32, 512].randomElement(using: &random)!) }\n"
    }

    func testRandomConfigsOnTheMockAccountForEveryFrameAndBuffer() throws {
        let dir = try temporaryDirectory()
        var ran = 0
        for seed in 1...40 as ClosedRange<UInt64> {
            let yaml = try seeded(seed, dir: dir) { i, random in
                switch Int.random(in: 0..<3, using: &random) {
                case 0: "mock:rx_pcap=\(dir)/in.pcap,tx_pcap=\(dir)/out\(i).pcap"
                case 1: "mock:rx_pcap=\(dir)/in.pcap,infinite_rx=1"
                default: "mock:pf=p,wire_rx_pcap=\(dir)/in.pcap,wire_tx_pcap=\(dir)/wire.pcap".split(separator: ",")
                    .prefix(i == 0 ? 3 : 1).joined(separator: ",")
                }
            }
            let forwarder: MockForwarder
            do {
                forwarder = try MockForwarder(config: ForwarderConfig.load(yaml: yaml, file: "seed\(seed).yaml"))
                try forwarder.start()
            } catch {
                continue  // refused as an 82599 VF would refuse it: nothing to account for
            }
            var ticks = 0
            forwarder.run {
                ticks += 1
                return ticks < 30
            }
            try forwarder.shutdown()
            ran += 1
            let c = forwarder.counters
            XCTAssertEqual(c.reduce(0) { $0 + $1.rxPackets }, c.reduce(0) { $0 + $1.txPackets + $1.dropped }, "seed \(seed):\n\(yaml)")
            XCTAssertEqual(forwarder.buffersInUse, 0, "seed \(seed):\n\(yaml)")
        }
        XCTAssertGreaterThan(ran, 20, "enough of the configs ran")
    }

    func testRandomConfigsOnDPDKVirtualDevicesAccountForEveryFrameAndBuffer() throws {
        let dir = try temporaryDirectory()
        var ran = 0
        for seed in 1...20 as ClosedRange<UInt64> {
            let yaml = try seeded(seed, dir: dir) { i, random in
                switch Int.random(in: 0..<3, using: &random) {
                case 0: "net_pcap\(i),rx_pcap=\(dir)/in.pcap,tx_pcap=\(dir)/out\(i).pcap"
                case 1: "net_ring\(i)"
                default: "net_null\(i)"
                }
            }
            try yaml.write(toFile: "\(dir)/seed\(seed).yaml", atomically: true, encoding: .utf8)
            let result = try VFFwdProcess.run(["run", "--config", "\(dir)/seed\(seed).yaml", "--duration", "0.3", "--quiet",
                                               "--stats-json", "\(dir)/s\(seed).json"] + PcapForwardingTests.eal)
            // Exit 3: a device refused the set-up (the pcap PMD has one queue each way), and said so.
            guard result.status != 3 else { continue }
            XCTAssertEqual(result.status, 0, "seed \(seed): \(result.stderr)\n\(yaml)")
            guard result.status == 0 else { continue }
            ran += 1
            let stats = try StatsJSON(path: "\(dir)/s\(seed).json")
            XCTAssertEqual(stats.total("rx_packets"), stats.total("tx_packets") + stats.total("dropped"), "seed \(seed):\n\(yaml)")
        }
        XCTAssertGreaterThan(ran, 2, "enough of the configs ran")
    }
}
