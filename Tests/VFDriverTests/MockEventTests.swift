import VFDriver
import XCTest

/// Counters that wrap, and the faults a mock VF raises or suffers: link flaps, PF resets, a PF
/// that stays away, a stalled TX queue; after each, every buffer is back in its pool.
final class MockEventTests: MockVFTestCase {
    func testHardwareCountersWrapAt32Bits() throws {
        let nic = MockNIC(vfCount: 1)
        let vf = try started(nic, 0)
        vf.presetHardwareCounters(packets: UInt32.max - 1, bytes: (1 << 36) - 10)
        let before = vf.counters
        for i in 0..<5 { nic.injectFromUplink(frame(to: 0, seed: i)) }
        receiveAll(vf).forEach { $0.free() }
        let after = vf.counters
        XCTAssertEqual(after.ipackets - before.ipackets, 5)
        XCTAssertEqual(after.ibytes - before.ibytes, 5 * 60)
    }

    func testLinkFlapRaisesEventsAndStopsTraffic() throws {
        let nic = MockNIC(vfCount: 2)
        let a = try started(nic, 0), b = try started(nic, 1)
        nic.setLink(up: false)
        XCTAssertEqual(a.takeEvents(), [.linkDown])
        nic.injectFromUplink(frame(to: 0))
        XCTAssertEqual(receiveAll(a).count, 0)
        XCTAssertEqual(send(b, [frame(to: 9, from: 1)]), 1, "TX descriptors take it")
        XCTAssertEqual(nic.drainUplink(), [], "but nothing leaves while the link is down")
        nic.setLink(up: true)
        XCTAssertEqual(a.takeEvents(), [.linkUp])
        b.stop()
        XCTAssertEqual(nic.drainUplink(), [frame(to: 9, from: 1)], "the ring drains when the link returns")
        XCTAssertEqual(buffersOutAfterStopping(nic), 0)
    }

    func testPFResetNeedsResetReconfigureRestart() throws {
        let nic = MockNIC(vfCount: 1)
        let vf = try started(nic, 0)
        nic.injectFromUplink(frame(to: 0))
        XCTAssertEqual(vf.counters.ipackets, 1)
        nic.resetPF()
        XCTAssertEqual(vf.takeEvents(), [.reset])
        XCTAssertEqual(vf.state, .resetPending)
        XCTAssertEqual(receiveAll(vf).count, 0)
        XCTAssertThrowsError(try vf.start())
        try vf.reset()
        XCTAssertEqual(nic.pool.inUseCount, 0, "queue release returned the ring's buffers")
        XCTAssertEqual(vf.deviceCounters, DeviceCounters(), "counters restart from zero, as ixgbevf's after rte_eth_dev_reset")
        try vf.configure(PortConfiguration())
        try vf.start()
        nic.injectFromUplink(frame(to: 0))
        receiveAll(vf).forEach { $0.free() }
        XCTAssertEqual(buffersOutAfterStopping(nic), 0)
    }

    /// A PF that stays away (its driver reloading): the VF's reset fails, as ixgbevf's does
    /// without an answer on the mailbox, until the PF is back.
    func testResetFailsUntilThePFIsBack() throws {
        let nic = MockNIC(vfCount: 2)
        let vf = try started(nic, 1)
        nic.resetPF(stayingDown: true)
        XCTAssertEqual(vf.takeEvents(), [.reset])
        XCTAssertThrowsError(try vf.reset())
        XCTAssertEqual(vf.state, .resetPending)
        XCTAssertThrowsError(try vf.configure(PortConfiguration()))
        nic.bringPFBack()
        try vf.reset()
        try vf.configure(PortConfiguration())
        try vf.start()
        nic.injectFromUplink(frame(to: 1))
        XCTAssertEqual(receiveAll(vf).map(\.frame), [frame(to: 1)])
        XCTAssertEqual(vf.counters.ipackets, 1)
    }

    /// TX stall: the lane's bounded retry gives up, frames drop as tx_full on the receiving port,
    /// and every buffer comes back.
    func testTxStallThroughALane() throws {
        let nic = MockNIC(vfCount: 2)
        let a = try started(nic, 0) { $0.rxDescriptors = 128 }, b = try started(nic, 1)
        b.txStalled = true
        b.spoofCheck = false  // b forwards others' frames: as on a real PF, spoofchk must be off
        let config = try ForwarderConfig.load(yaml: """
            ports: [{ name: a, device: "mock:" }, { name: b, device: "mock:" }]
            rules: [{ in: { port: a, vlan: any }, out: { port: b } }]
            """, file: "t.yaml")
        let lane = ForwardingLane(plan: ForwardingPlan(config: config), ports: [a.port, b.port], rxPairs: [(0, 0)], txQueue: 0, burst: 32)
        for i in 0..<70 { nic.injectFromUplink(frame(to: 0, seed: i)) }
        while lane.poll() > 0 {}
        var ca = PortCounters(), cb = PortCounters()
        lane.counters.read(port: 0, into: &ca)
        lane.counters.read(port: 1, into: &cb)
        XCTAssertEqual(ca.rxPackets, 70)
        XCTAssertEqual(cb.txPackets, 63, "64 descriptors, 63 usable")
        XCTAssertEqual(ca[.txFull], 7)
        XCTAssertEqual(ca.rxPackets, cb.txPackets + ca.dropped)
        b.txStalled = false
        b.stop()
        // The frames are for a's MAC: the VEB takes them back to a.
        let back = receiveAll(a)
        XCTAssertEqual(back.count, 63)
        back.forEach { $0.free() }
        XCTAssertEqual(buffersOutAfterStopping(nic), 0)
    }
}
