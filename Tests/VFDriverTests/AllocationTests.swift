import VFDriver
import XCTest

/// The steady-state forwarding loop allocates nothing: no class instance, array or buffer per
/// packet or per burst (ixy.swift lost 5x to C on exactly that).
final class AllocationTests: XCTestCase {
    func testTheCounterSeesAllocations() {
        XCTAssertGreaterThan(allocations { _ = [Int](repeating: 1, count: Int.random(in: 100...200)) }, 0)
    }

    /// Every path of the engine on the mock: translate, push, pop, QinQ translate, cross-connect,
    /// and each with the VLAN offloads (strip metadata in, insert requests out, stripped tags put
    /// back).
    func testMockForwardingLoopAllocatesNothing() throws {
        for offload in [false, true] {
            let dir = try temporaryDirectory("mock-\(offload)")
            let stacks = [[tag(100)], [tag(101)], [tag(102)], [tag(300, tpid: 0x88a8), tag(301)]]
            try PcapFile.write((0..<64).map { Frame(tags: stacks[$0 % 4], seed: $0).bytes }, to: "\(dir)/in.pcap")
            let config = try ForwarderConfig.load(yaml: """
                ports:
                  - { name: a, device: "mock:rx_pcap=\(dir)/in.pcap,infinite_rx=1", vlan-offload: \(offload) }
                  - { name: b, device: "mock:", vlan-offload: \(offload) }
                  - { name: c, device: "mock:", vlan-offload: \(offload) }
                  - { name: d, device: "mock:rx_pcap=\(dir)/in.pcap,infinite_rx=1", vlan-offload: \(offload) }
                rules:
                  - { in: { port: a, vlan: 100 }, out: { port: b, vlan: 200 } }
                  - { in: { port: a, vlan: 101 }, out: { port: c, vlan: [7, 8] } }
                  - { in: { port: a, vlan: 102 }, out: { port: b, vlan: untagged } }
                  - { in: { port: a, vlan: [300, 301] }, out: { port: c, vlan: [400, 401] } }
                  - { in: { port: d, vlan: any }, out: { port: c } }
                """, file: "t.yaml")
            let forwarder = try MockForwarder(config: config)
            try forwarder.start()
            let (forwarded, count) = steadyState(forwarder.lane)
            XCTAssertGreaterThan(forwarded, 100_000)
            XCTAssertEqual(count, 0, "allocations in \(forwarded) forwarded frames, offloads \(offload)")
            try forwarder.shutdown()
        }
    }

    /// A user's own loop over a `PacketBurst`: receive, rewrite, send, free what found no room.
    func testPacketBurstLoopAllocatesNothing() throws {
        let dir = try temporaryDirectory()
        try PcapFile.write((0..<64).map { Frame(tags: [tag(100)], seed: $0).bytes }, to: "\(dir)/in.pcap")
        let pool = MockPool(size: 4096)
        let rx = try MockVF(rxPcap: "\(dir)/in.pcap", txPcap: nil, infiniteRx: true, index: 0, pool: pool)
        let tx = try MockVF(rxPcap: nil, txPcap: nil, index: 1, pool: pool)
        for vf in [rx, tx] {
            try vf.configure(PortConfiguration())
            try vf.start()
        }
        var burst = PacketBurst<MockBuffer>(capacity: 32)
        var forwarded = 0
        func poll() {
            burst.receive(from: rx.port, queue: 0)
            for i in 0..<burst.count { burst[i].data[15] = 200 }
            forwarded += burst.transmit(to: tx.port, queue: 0)
            burst.freeAll()
        }
        for _ in 0..<100 { poll() }
        let count = allocations { for _ in 0..<10_000 { poll() } }
        XCTAssertGreaterThan(forwarded, 100_000)
        XCTAssertEqual(count, 0, "allocations in \(forwarded) frames")
        for vf in [rx, tx] { vf.stop() }
        XCTAssertEqual(pool.inUseCount, 0)
    }

    /// Frames forwarded by 10,000 polls of a warmed-up lane, and the allocations they made.
    func steadyState<Port>(_ lane: ForwardingLane<Port>) -> (forwarded: Int, allocations: Int) {
        for _ in 0..<100 { _ = lane.poll() }  // warm up: first-touch lazy state
        var forwarded = 0
        let count = allocations {
            for _ in 0..<10_000 { forwarded += lane.poll() }
        }
        return (forwarded, count)
    }
}
