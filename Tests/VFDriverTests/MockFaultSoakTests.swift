import VFDriver
import XCTest

/// Every fault the mock injects, at random and overlapping, while vf-fwd's forwarder runs over
/// VFs of an emulated PF and a standalone VF: link flaps, PF resets (some with the PF away for
/// a while), TX stalls, corrupt frames, a pool drained by someone else. Whatever happened, at
/// the end every received frame is sent or dropped for one reason and every buffer is back.
final class MockFaultSoakTests: XCTestCase {
    enum Fault: CaseIterable { case linkFlap, pfReset, pfAway, txStall, corruptFrames, poolDrained }

    func testAccountingSurvivesRandomOverlappingFaults() throws {
        for seed in [1, 2, 3] as [UInt64] { try soak(seed: seed) }
    }

    func soak(seed: UInt64) throws {
        var random = SeededGenerator(state: seed)
        let dir = try temporaryDirectory("seed\(seed)")
        // Wire frames for the PF's three VFs (MACs 02:09:00:00:01:i), with every kind of stack,
        // runts, broadcasts and VIDs no rule or filter takes.
        let stacks: [[Frame.Tag]] = [[], [tag(100, pcp: 5)], [tag(200)], [tag(3000, tpid: 0x88a8), tag(10, pcp: 2)],
                                     [tag(0, pcp: 7)], [tag(4095)], [tag(7)], [tag(1), tag(2), tag(3)]]
        let wire = (0..<6000).map { i -> [UInt8] in
            var bytes = Frame(tags: stacks.randomElement(using: &random)!, payloadBytes: Int.random(in: 0...200, using: &random), seed: i).bytes
            let destination: [UInt8] = Int.random(in: 0..<20, using: &random) == 0
                ? [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] : [0x02, 0x09, 0, 0, 1, UInt8.random(in: 0...2, using: &random)]
            bytes.replaceSubrange(0..<6, with: destination)
            return bytes
        }
        try PcapFile.write(wire, to: "\(dir)/wire.pcap")
        try PcapFile.write((0..<500).map { Frame(tags: [tag(300)], seed: $0).bytes }, to: "\(dir)/local.pcap")
        let config = try ForwarderConfig.load(yaml: """
            ports:
              - { name: a, device: "mock:pf=p,wire_rx_pcap=\(dir)/wire.pcap,wire_tx_pcap=\(dir)/wire-out.pcap" }
              - { name: b, device: "mock:pf=p", vlan-offload: true }
              - { name: c, device: "mock:pf=p" }
              - { name: d, device: "mock:rx_pcap=\(dir)/local.pcap" }
            rules:
              - { in: { port: a, vlan: 100 }, out: { port: b, vlan: 200 } }
              - { in: { port: a, vlan: [3000, 10] }, out: { port: c, vlan: 30 } }
              - { in: { port: c, vlan: untagged }, out: { port: d, vlan: [3000, 10] } }
              - { in: { port: d, vlan: 300 }, out: { port: a, vlan: 100 } }
              - { in: { port: b, vlan: any }, out: { port: d } }
            """, file: "soak.yaml")
        // The PF's switch floods a broadcast a VF sends to its other VFs, as a real 82599's VEB
        // does; no rule takes what a PF's VF sends back to one of its VFs, so no frame loops.
        let forwarder = try MockForwarder(config: config)
        forwarder.resetRetryInterval = 0
        try forwarder.start()
        let vfs = forwarder.vfs
        var injected = Set<String>()
        // Undo actions of faults still in force, due at a tick.
        var pending: [(due: Int, undo: () -> Void)] = []
        var held: [MockBuffer] = []
        var ticks = 0
        forwarder.run {
            ticks += 1
            pending.removeAll { entry in
                guard entry.due <= ticks else { return false }
                entry.undo()
                return true
            }
            guard ticks < 400 else { return false }
            guard Int.random(in: 0..<4, using: &random) == 0 else { return true }
            let vf = vfs.randomElement(using: &random)!
            let fault = Fault.allCases.randomElement(using: &random)!
            let lasting = ticks + Int.random(in: 1...20, using: &random)
            injected.insert("\(fault)")
            switch fault {
            case .linkFlap:
                vf.simulateLink(up: false)
                pending.append((lasting, { vf.simulateLink(up: true) }))
            case .pfReset:
                vf.simulatePFReset()
            case .pfAway:
                vf.simulatePFReset(pfReady: false)
                pending.append((lasting, { vf.simulatePFReady() }))
            case .txStall:
                vf.txStalled = true
                pending.append((lasting, { vf.txStalled = false }))
            case .corruptFrames:
                vf.corruptNextFrames += Int.random(in: 1...8, using: &random)
            case .poolDrained:
                for _ in 0..<Int.random(in: 100...20_000, using: &random) {
                    guard let buffer = vf.pool.allocate() else { break }
                    held.append(buffer)
                }
                pending.append((lasting, {
                    held.forEach { $0.free() }
                    held.removeAll()
                }))
            }
            return true
        }
        // Every fault is over; the forwarder brings back what is still down, and drains.
        pending.forEach { $0.undo() }
        ticks = 0
        forwarder.run {
            ticks += 1
            return ticks < 50
        }
        try forwarder.shutdown()

        XCTAssertEqual(injected.count, Fault.allCases.count, "seed \(seed): every kind of fault happened")
        XCTAssertGreaterThan(forwarder.resets.reduce(0, +), 0, "seed \(seed)")
        let c = forwarder.counters
        let rx = c.reduce(0) { $0 + $1.rxPackets }, tx = c.reduce(0) { $0 + $1.txPackets }, dropped = c.reduce(0) { $0 + $1.dropped }
        XCTAssertGreaterThan(tx, 500, "seed \(seed): frames still flow between faults")
        XCTAssertEqual(rx, tx + dropped, "seed \(seed): every frame sent or dropped for one reason")
        XCTAssertEqual(forwarder.buffersInUse, 0, "seed \(seed): every buffer back in its pool")
    }
}
