import VFDriver
import XCTest

/// The emulated PF's switch: the uplink and the VEB deliver by MAC and VLAN, flood broadcast,
/// pad short frames and drop spoofed ones.
final class MockSwitchingTests: MockVFTestCase {
    func testUnicastFromUplinkReachesOnlyItsVF() throws {
        let nic = MockNIC(vfCount: 3)
        let vfs = try (0..<3).map { try started(nic, $0) }
        nic.injectFromUplink(frame(to: 1))
        XCTAssertEqual(receiveAll(vfs[0]).count, 0)
        let got = receiveAll(vfs[1])
        XCTAssertEqual(got.map(\.frame), [frame(to: 1)])
        got.forEach { $0.free() }
        XCTAssertEqual(vfs[1].counters.ipackets, 1)
        XCTAssertEqual(buffersOutAfterStopping(nic), 0)
    }

    func testVEBSwitchesVFToVFAndSendsTheRestToTheUplink() throws {
        let nic = MockNIC(vfCount: 2)
        let a = try started(nic, 0), b = try started(nic, 1)
        XCTAssertEqual(send(a, [frame(to: 1, from: 0), frame(to: 7, from: 0)]), 2)
        XCTAssertEqual(receiveAll(b).map(\.frame), [frame(to: 1, from: 0)])
        XCTAssertEqual(nic.drainUplink(), [frame(to: 7, from: 0)])
        XCTAssertEqual(a.counters.opackets, 2)
    }

    /// The VEB selects a VF by its MAC and VLAN filters: a frame selected stays inside even when
    /// that VF cannot take it; one whose VLAN the VF does not have leaves by the uplink.
    func testVEBKeepsAFrameItsVFSelectsButCannotTake() throws {
        let nic = MockNIC(vfCount: 2)
        let a = try started(nic, 0) { $0.vlanFilter = [7] }, b = try started(nic, 1) { $0.rxDescriptors = 32 }
        // 32 descriptors hold 31 frames: the one at the tail register is never the NIC's.
        let fill = (0..<31).map { frame(to: 1, from: 0, seed: $0) }
        XCTAssertEqual(send(a, fill + [frame(to: 1, from: 0, seed: 99)]), 32)
        XCTAssertEqual(b.counters.imissed, 1)
        XCTAssertEqual(nic.drainUplink(), [], "a full ring loses the frame; it does not leak to the wire")
        receiveAll(b).forEach { $0.free() }
        XCTAssertEqual(send(a, [frame(to: 1, from: 0, tags: [tag(7)])]), 1)
        XCTAssertEqual(nic.drainUplink(), [frame(to: 1, from: 0, tags: [tag(7)])], "VLAN 7 selects no VF")
        b.stop()
        XCTAssertEqual(send(a, [frame(to: 1, from: 0)]), 1)
        XCTAssertEqual(nic.drainUplink(), [], "a stopped VF's MAC still selects it")
        a.stop()
        XCTAssertEqual(buffersOutAfterStopping(nic), 0)
    }

    func testBroadcastFloodsOtherVFsAndTheUplink() throws {
        let nic = MockNIC(vfCount: 3)
        let vfs = try (0..<3).map { try started(nic, $0) }
        var broadcast = frame(to: 0, from: 0)
        broadcast.replaceSubrange(0..<6, with: [UInt8](repeating: 0xff, count: 6))
        XCTAssertEqual(send(vfs[0], [broadcast]), 1)
        XCTAssertEqual(receiveAll(vfs[0]).count, 0, "no hairpin to the sender")
        for vf in vfs[1...] { receiveAll(vf).forEach { XCTAssertEqual($0.frame, broadcast); $0.free() } }
        XCTAssertEqual(nic.drainUplink(), [broadcast])
        vfs[0].stop()
        XCTAssertEqual(buffersOutAfterStopping(nic), 0)
    }

    /// The MAC pads what a VF sends to the Ethernet minimum (HLREG0.TXPADEN), so even a frame
    /// too short to hold its MACs leaves as 60 bytes, by the uplink or the VEB.
    func testShortFramesLeavePadded() throws {
        let nic = MockNIC(vfCount: 2)
        let a = try started(nic, 0), b = try started(nic, 1)
        a.spoofCheck = false
        let broadcast = Array([UInt8](repeating: 0xff, count: 6) + [0x02, 0x09, 0, 0, 0, 0, 0x08, 0x00] + [UInt8](repeating: 7, count: 10))
        XCTAssertEqual(send(a, [[1, 2, 3, 4, 5], broadcast]), 2)
        a.stop()
        XCTAssertEqual(nic.drainUplink(), [[1, 2, 3, 4, 5] + [UInt8](repeating: 0, count: 55), broadcast + [UInt8](repeating: 0, count: 36)])
        let received = receiveAll(b)
        XCTAssertEqual(received.map { Array(UnsafeBufferPointer(start: $0.data, count: $0.length)) }, [broadcast + [UInt8](repeating: 0, count: 36)])
        received.forEach { $0.free() }
        XCTAssertEqual(buffersOutAfterStopping(nic), 0)
    }

    /// spoofchk is MAC and VLAN anti-spoofing: a foreign source MAC, or a tag of a VLAN outside
    /// the VF's filter, is dropped.
    func testAntiSpoofDropsForeignSourceMACAndVLAN() throws {
        let nic = MockNIC(vfCount: 2)
        let a = try started(nic, 0) { $0.vlanFilter = [5] }, b = try started(nic, 1) { $0.vlanFilter = [5, 6] }
        XCTAssertEqual(send(a, [frame(to: 1, from: 5)]), 1)
        XCTAssertEqual(receiveAll(b).count, 0)
        XCTAssertEqual(a.counters.spoofed, 1)
        XCTAssertEqual(send(a, [frame(to: 1, from: 0, tags: [tag(6)]), frame(to: 1, from: 0, tags: [tag(5)]), frame(to: 1, from: 0, tags: [tag(0)])]), 3)
        let got = receiveAll(b)
        XCTAssertEqual(got.map(\.frame), [frame(to: 1, from: 0, tags: [tag(5)]), frame(to: 1, from: 0, tags: [tag(0)])],
                       "VLAN 6 is not in a's filter; a priority tag (VID 0) is every VF's")
        got.forEach { $0.free() }
        XCTAssertEqual(a.counters.spoofed, 2)
        a.spoofCheck = false
        XCTAssertEqual(send(a, [frame(to: 1, from: 5)]), 1)
        receiveAll(b).forEach { $0.free() }
        a.stop()
        XCTAssertEqual(buffersOutAfterStopping(nic), 0)
    }

    /// The mock example of the README, as written there, with what its last comment promises.
    func testTheREADMEExample() throws {
        let nic = MockNIC(vfCount: 1)              // an 82599 PF with one VF, and their pool
        let vf = nic.vfs[0]
        vf.spoofCheck = false                      // `ip link set PF vf 0 spoofchk off`: it forwards others' frames
        var setup = PortConfiguration()
        setup.vlanFilter = [100]                   // as on hardware, the PF drops the other VLANs
        try vf.configure(setup)
        try vf.start()                             // every RX descriptor takes a pool buffer

        let frame = vf.mac + [2, 0, 0, 0, 0, 1] + [0x81, 0x00, 0x00, 100, 0x08, 0x00] + [UInt8](repeating: 0, count: 46)
        nic.injectFromUplink(frame)                // a frame on the wire for the VF's MAC, VLAN 100
        var burst = PacketBurst<MockBuffer>(capacity: 32)   // yours, made once, reused every poll
        let n = burst.receive(from: vf.port, queue: 0)      // your poll loop
        burst[0].data[15] = 200                    // your code: VLAN 100 becomes 200
        let sent = burst.transmit(to: vf.port, queue: 0)    // out through the PF's uplink
        vf.stop()                                  // the descriptors give their buffers back
        // nic.drainUplink() holds the frame with VLAN 200; nic.pool.inUseCount is 0 again
        XCTAssertEqual(n, 1)
        XCTAssertEqual(sent, 1)
        var expected = frame
        expected[15] = 200
        XCTAssertEqual(nic.drainUplink(), [expected])
        XCTAssertEqual(nic.pool.inUseCount, 0)
    }
}
