import VFDriver
import XCTest

/// What reaches a mock VF and what it may ask of its PF: size and CRC checks, VLAN filters and
/// the port VLAN, MAC filters, promiscuous and all-multicast, offloads, the 82599 VF's limits.
final class MockFilterTests: MockVFTestCase {
    func testUndersizeOversizeAndCorruptFramesAreIErrors() throws {
        let nic = MockNIC(vfCount: 1)
        let vf = try started(nic, 0) { $0.mtu = 1500 }
        nic.injectFromUplink(Array(frame(to: 0).prefix(59)))
        nic.injectFromUplink(frame(to: 0, payload: 1500))                      // 1514: fits
        nic.injectFromUplink(frame(to: 0, tags: [tag(5), tag(6)], payload: 1500)) // 1522: fits
        nic.injectFromUplink(frame(to: 0, tags: [tag(5), tag(6)], payload: 1501)) // oversize
        vf.corruptNextFrames = 1
        nic.injectFromUplink(frame(to: 0))
        XCTAssertEqual(vf.counters.ierrors, 3)
        receiveAll(vf).forEach { $0.free() }
    }

    /// A bad frame counts at the VF it was for, once, not at every VF of the PF.
    func testBadFramesCountAtTheVFTheyWereFor() throws {
        let nic = MockNIC(vfCount: 2)
        let vfs = try [started(nic, 0) { $0.mtu = 1500 }, started(nic, 1) { $0.mtu = 1500 }]
        nic.injectFromUplink(Array(frame(to: 0).prefix(59)))
        nic.injectFromUplink(Array(frame(to: 0).prefix(5)))
        nic.injectFromUplink(Array(([UInt8](repeating: 0xff, count: 6) + frame(to: 1).dropFirst(6)).prefix(40)))
        XCTAssertEqual(vfs.map(\.counters.ierrors), [2, 1])
    }

    func testVLANFilterAndSharedPFTable() throws {
        let nic = MockNIC(vfCount: 2)
        let vf = try started(nic, 0)
        nic.injectFromUplink(frame(to: 0, tags: [tag(100)]))
        XCTAssertEqual(receiveAll(vf).count, 0, "VLAN 100 is not in the VF's filter")
        try vf.setVLANFilter(100, on: true)
        nic.injectFromUplink(frame(to: 0, tags: [tag(100)]))
        nic.injectFromUplink(frame(to: 0))
        let got = receiveAll(vf)
        XCTAssertEqual(got.count, 2)
        got.forEach { $0.free() }
        for vid in 1...63 { try nic.vfs[1].setVLANFilter(UInt16(vid + 1000), on: true) }
        XCTAssertThrowsError(try nic.vfs[1].setVLANFilter(2000, on: true), "64 entries per PF")
        try nic.vfs[1].setVLANFilter(100, on: true)  // shares VLAN 100's entry
    }

    func testPortVLANTagsAndStripsAndRefusesVFFilters() throws {
        let nic = MockNIC(vfCount: 2)
        let a = try started(nic, 0)
        nic.setPortVLAN(42, vf: 0)
        XCTAssertThrowsError(try a.setVLANFilter(7, on: true))
        nic.injectFromUplink(frame(to: 0))
        XCTAssertEqual(receiveAll(a).count, 0, "untagged frames no longer reach the VF")
        nic.injectFromUplink(frame(to: 0, tags: [tag(42, pcp: 3)]))
        let got = receiveAll(a)
        XCTAssertEqual(got.map(\.frame), [frame(to: 0)], "the PF stripped the port VLAN")
        got.forEach { $0.free() }
        XCTAssertEqual(send(a, [frame(to: 9, from: 0)]), 1)
        XCTAssertEqual(nic.drainUplink(), [frame(to: 9, from: 0, tags: [tag(42)])], "the PF tagged it")
    }

    /// A VF that cannot be promiscuous receives other hosts' frames through MAC filter entries
    /// at its PF, from the wire and from other VFs; the PF turns the VF's anti-spoofing off, so
    /// it may send from those MACs; the entries are shared, and a reset gives them back.
    func testAddedMACsBringOtherHostsFrames() throws {
        let nic = MockNIC(vfCount: 2)
        let host: [UInt8] = [0x02, 0x09, 0, 0, 0, 40]
        let a = try started(nic, 0) { $0.macAddresses = [host] }
        let b = try started(nic, 1)
        XCTAssertEqual(a.addedMACs, [host])
        XCTAssertFalse(a.spoofCheck)
        nic.injectFromUplink(frame(to: 40))
        XCTAssertEqual(send(b, [frame(to: 40, from: 1)]), 1)
        let got = receiveAll(a)
        XCTAssertEqual(got.map(\.frame), [frame(to: 40), frame(to: 40, from: 1)])
        got.forEach { $0.free() }
        XCTAssertEqual(nic.drainUplink(), [], "the VEB delivered b's frame to a")

        b.macSetByAdmin = true
        XCTAssertThrowsError(try b.addMACAddress([0x02, 0, 0, 0, 0, 1]), "an admin-set MAC needs trust")
        b.trusted = true
        for i in 0..<(nic.macFilterEntries - 1) { try b.addMACAddress([0x02, 0, 0, 0, 1, UInt8(i)]) }
        XCTAssertThrowsError(try b.addMACAddress([0x02, 0, 0, 0, 2, 0]), "\(nic.macFilterEntries) entries per PF")
        try b.addMACAddress(b.mac)  // its own MAC: nothing to add, as in ethdev
        a.simulatePFReset()
        try a.reset()
        XCTAssertEqual(a.addedMACs, [], "a reset forgets the entries")
        try b.addMACAddress([0x02, 0, 0, 0, 2, 0])  // the one a gave back
        b.stop()
        XCTAssertEqual(buffersOutAfterStopping(nic), 0)
    }

    /// A Linux PF gives an untrusted VF multicast mode for its request and says yes; it refuses
    /// a trusted one, an 82599 having no VF unicast promiscuous mode. Either way only the VF's
    /// own frames arrive. All-multicast the PF grants only to a trusted VF.
    func testAn82599VFIsNeverPromiscuousAndAllMulticastOnlyWhenTrusted() throws {
        let nic = MockNIC(vfCount: 1)
        let vf = try started(nic, 0)
        var group = frame(to: 0)
        group.replaceSubrange(0..<6, with: [0x33, 0x33, 0xff, 0, 0, 1])  // an IPv6 solicited-node group
        try vf.setPromiscuous(true)
        vf.setAllMulticast(true)
        XCTAssertEqual(vf.reception, .ownAndJoinedGroups, "untrusted: quietly kept to its own frames and groups")
        nic.injectFromUplink(frame(to: 33))
        nic.injectFromUplink(group)
        XCTAssertEqual(receiveAll(vf).count, 0)

        vf.trusted = true
        XCTAssertThrowsError(try vf.setPromiscuous(true))
        vf.setAllMulticast(true)
        XCTAssertEqual(vf.reception, .ownAndMulticast)
        nic.injectFromUplink(frame(to: 33))
        nic.injectFromUplink(group)
        nic.injectFromUplink(frame(to: 0))
        let got = receiveAll(vf)
        XCTAssertEqual(got.map(\.frame), [group, frame(to: 0)])
        got.forEach { $0.free() }
    }

    /// As ixgbevf: the VIDs of the configuration go to the PF; stopping gives the PF's entries
    /// back and starting asks for them again (the shadow VFTA); a reset forgets them.
    func testVLANFilterFollowsTheDriversLifecycle() throws {
        let nic = MockNIC(vfCount: 2)
        let a = try started(nic, 0) { $0.vlanFilter = [7, 8] }
        XCTAssertEqual(a.vlanFilter, [7, 8])
        nic.injectFromUplink(frame(to: 0, tags: [tag(7)]))
        nic.injectFromUplink(frame(to: 0, tags: [tag(9)]))
        var got = receiveAll(a)
        XCTAssertEqual(got.map(\.frame), [frame(to: 0, tags: [tag(7)])], "VLAN 9 is not in the filter")
        got.forEach { $0.free() }

        a.stop()
        // While a is stopped its two entries are free: b takes 62 more, 64 in all.
        for vid in 1...62 { try nic.vfs[1].setVLANFilter(UInt16(1000 + vid), on: true) }
        try a.start()
        nic.injectFromUplink(frame(to: 0, tags: [tag(7)]))
        nic.injectFromUplink(frame(to: 0, tags: [tag(8)]))
        got = receiveAll(a)
        XCTAssertEqual(got.count, 2, "start asked for both again")
        got.forEach { $0.free() }

        a.simulatePFReset()
        try a.reset()
        XCTAssertTrue(a.vlanFilter.isEmpty, "a reset forgets the filter")
        try nic.vfs[1].setVLANFilter(2000, on: true)
        try nic.vfs[1].setVLANFilter(2001, on: true)
        var c = a.configuration
        c.vlanFilter = [7, 8]
        XCTAssertThrowsError(try a.configure(c), "the PF's 64 entries are in use")
        XCTAssertEqual(buffersOutAfterStopping(nic), 0)
    }

    func testMulticastListKeepsThirty() throws {
        let nic = MockNIC(vfCount: 1)
        let vf = try started(nic, 0)
        let groups = (0..<31).map { [0x01, 0x00, 0x5e, 0, 0, UInt8($0)] as [UInt8] }
        vf.setMulticast(groups)
        XCTAssertEqual(vf.multicast.count, 30, "the 31st address is dropped silently")
        var m = frame(to: 0)
        m.replaceSubrange(0..<6, with: groups[3])
        nic.injectFromUplink(m)
        m.replaceSubrange(0..<6, with: groups[30])
        nic.injectFromUplink(m)
        let got = receiveAll(vf)
        XCTAssertEqual(got.count, 1)
        got.forEach { $0.free() }
    }

    func testVLANStripAndInsertUseMbufSemantics() throws {
        let nic = MockNIC(vfCount: 2)
        let a = try started(nic, 0) { $0.vlanStrip = true; $0.vlanInsert = true }
        try a.setVLANFilter(7, on: true)
        nic.injectFromUplink(frame(to: 0, tags: [tag(7, pcp: 5)]))
        let got = receiveAll(a)
        XCTAssertEqual(got.count, 1)
        XCTAssertEqual(got[0].strippedTCI, 5 << 13 | 7)
        XCTAssertEqual(got[0].frame, frame(to: 0))
        got[0].clearStrippedTag()
        got[0].requestTagInsert(tci: 3 << 13 | 9)
        a.spoofCheck = false  // the frame keeps the uplink sender's MAC
        var buffer = got[0]
        XCTAssertEqual(a.port.transmit(queue: 0, from: &buffer, count: 1), 1)
        XCTAssertEqual(nic.drainUplink(), [frame(to: 0, tags: [tag(9, pcp: 3)])])
        // A frame shorter than its MACs has no place for the tag: a TX error, nothing sent.
        buffer = nic.pool.allocate()!
        XCTAssertTrue([UInt8](repeating: 1, count: 10).withUnsafeBytes { buffer.setFrame($0) })
        buffer.requestTagInsert(tci: 9)
        XCTAssertEqual(a.port.transmit(queue: 0, from: &buffer, count: 1), 1)
        XCTAssertEqual(nic.drainUplink(), [])
        XCTAssertEqual(a.deviceCounters.oerrors, 1)
        a.stop()
        XCTAssertEqual(buffersOutAfterStopping(nic), 0)
    }

    func testLimitsOfThe82599VF() throws {
        let nic = MockNIC(vfCount: 16)
        var c = PortConfiguration()
        c.rxQueues = 8
        XCTAssertThrowsError(try nic.vfs[0].configure(c), "16 VFs get 4 queues each")
        c.rxQueues = 3
        XCTAssertThrowsError(try nic.vfs[0].configure(c), "RX queues are a power of two")
        c = PortConfiguration()
        c.mtu = 9711
        XCTAssertThrowsError(try nic.vfs[0].configure(c))
        c.mtu = 1500
        c.rxDescriptors = 8192
        XCTAssertThrowsError(try nic.vfs[0].configure(c))
    }

    /// One frame size per 82599 port: a VF started with a jumbo MTU under a PF whose MTU is
    /// 1500 starts, but the PF lets nothing reach it; with the PF's MTU raised it receives.
    func testJumboVFReceivesOnlyUnderAJumboPF() throws {
        let nic = MockNIC(vfCount: 1, poolSize: 256, dataRoom: 9216 + MockPool.headroom)
        let vf = try started(nic, 0) { $0.mtu = 9000 }
        XCTAssertFalse(vf.receiveEnabled)
        nic.injectFromUplink(frame(to: 0))
        XCTAssertEqual(receiveAll(vf).count, 0)
        vf.stop()
        nic.pfMTU = 9000
        try vf.start()
        nic.injectFromUplink(frame(to: 0, payload: 8000))
        let got = receiveAll(vf)
        XCTAssertEqual(got.map(\.length), [8014])
        got.forEach { $0.free() }
    }
}
