import VFDriver
import XCTest

/// Each behaviour the mock VF models, and each fault it injects; after every fault the
/// accounting identity holds and every buffer is back in its pool.
final class MockDeviceTests: XCTestCase {
    func frame(to vf: Int, from sender: Int = 99, tags: [Frame.Tag] = [], payload: Int = 46, seed: Int = 0) -> [UInt8] {
        var bytes = Frame(tags: tags, payloadBytes: payload, seed: seed).bytes
        bytes.replaceSubrange(0..<6, with: [0x02, 0x09, 0, 0, 0, UInt8(vf)])
        bytes.replaceSubrange(6..<12, with: [0x02, 0x09, 0, 0, 0, UInt8(sender)])
        return bytes
    }

    func started(_ nic: MockNIC, _ index: Int, _ change: (inout PortConfiguration) -> Void = { _ in }) throws -> MockVF {
        var c = PortConfiguration()
        c.rxDescriptors = 64
        c.txDescriptors = 64
        change(&c)
        let vf = nic.vfs[index]
        try vf.configure(c)
        try vf.start()
        return vf
    }

    /// Receives everything waiting on queue 0.
    func receiveAll(_ vf: MockVF) -> [MockBuffer] {
        var out: [MockBuffer] = []
        let buffers = UnsafeMutablePointer<MockBuffer>.allocate(capacity: 32)
        defer { buffers.deallocate() }
        while true {
            let n = vf.port.receive(queue: 0, into: buffers, capacity: 32)
            if n == 0 { return out }
            out += UnsafeBufferPointer(start: buffers, count: n)
        }
    }

    /// Buffers out of the NIC's pool besides those its VFs' RX descriptors hold.
    func buffersOut(_ nic: MockNIC) -> Int {
        nic.pool.inUseCount - nic.vfs.reduce(0) { $0 + $1.buffersOnReceiveDescriptors }
    }

    /// Stops every VF of `nic`, which gives back its descriptors' buffers; returns those still out.
    func buffersOutAfterStopping(_ nic: MockNIC) -> Int {
        nic.vfs.forEach { $0.stop() }
        return nic.pool.inUseCount
    }

    func send(_ vf: MockVF, _ frames: [[UInt8]]) -> Int {
        var buffers = frames.map { bytes in
            let b = vf.pool.allocate()!
            XCTAssertTrue(bytes.withUnsafeBytes { b.setFrame($0) })
            return b
        }
        let n = vf.port.transmit(queue: 0, from: &buffers, count: buffers.count)
        buffers[n...].forEach { $0.free() }
        return n
    }

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

    /// ixgbevf's vector RX: at most 32 frames a call, in fours, none when asked for fewer than 4;
    /// its scalar path takes any count. vf-fwd's lanes ask a vector port for 32 at least.
    func testVectorReceiveTakesFoursUpTo32() throws {
        let nic = MockNIC(vfCount: 1)
        let vf = try started(nic, 0)
        for i in 0..<45 { nic.injectFromUplink(frame(to: 0, seed: i)) }
        let buffers = UnsafeMutablePointer<MockBuffer>.allocate(capacity: 64)
        defer { buffers.deallocate() }
        func take(_ capacity: Int) -> Int {
            let n = vf.port.receive(queue: 0, into: buffers, capacity: capacity)
            for i in 0..<n { buffers[i].free() }
            return n
        }
        XCTAssertEqual([3, 6, 64].map(take), [0, 4, 32])
        XCTAssertEqual(vf.port.minimumReceiveBurst, 32)
        vf.vectorReceive = false
        XCTAssertEqual([1, 64].map(take), [1, 8])
        XCTAssertEqual(vf.port.minimumReceiveBurst, 1)
    }

    /// Sent buffers stay on their TX descriptors until the driver reclaims them, 32 at a time
    /// once fewer than 32 descriptors are free (ixgbe's defaults), or the port stops.
    func testSentBuffersReturnLazilyAsIxgbeReclaimsThem() throws {
        let nic = MockNIC(vfCount: 1)
        let vf = try started(nic, 0) { $0.txDescriptors = 64 }
        for i in 0..<32 { XCTAssertEqual(send(vf, [frame(to: 7, from: 0, seed: i)]), 1) }
        XCTAssertEqual(buffersOut(nic), 32, "sent, not yet reclaimed")
        XCTAssertEqual(send(vf, [frame(to: 7, from: 0, seed: 32)]), 1)
        XCTAssertEqual(buffersOut(nic), 1, "31 of 63 usable descriptors free: one batch of 32 reclaimed first")
        XCTAssertEqual(nic.drainUplink().count, 33, "every frame went out at once")
        vf.txStalled = true
        XCTAssertEqual(send(vf, (0..<70).map { frame(to: 7, from: 0, seed: $0) }), 62, "63 usable descriptors, 1 still holding a sent buffer")
        vf.stop()
        XCTAssertEqual(buffersOutAfterStopping(nic), 0, "stopping frees every descriptor's buffer")
        XCTAssertEqual(nic.drainUplink().count, 0, "the stalled frames never left")
    }

    /// A buffer goes back to the pool it came from, whichever port sent it: a forwarder's
    /// ports may have pools of their own (ixgbe_tx_free_bufs groups runs by mempool).
    func testReclaimedBuffersReturnToTheirOwnPool() throws {
        let nic = MockNIC(vfCount: 1)
        let vf = try started(nic, 0) { $0.txDescriptors = 64 }
        let other = MockPool(size: 64)
        for i in 0..<40 {
            var buffers = [i % 2 == 0 ? other.allocate()! : nic.pool.allocate()!]
            XCTAssertTrue(frame(to: 7, from: 0, seed: i).withUnsafeBytes { buffers[0].setFrame($0) })
            XCTAssertEqual(vf.port.transmit(queue: 0, from: &buffers, count: 1), 1)
        }
        XCTAssertEqual(other.inUseCount + buffersOut(nic), 8, "one batch of 32 reclaimed")
        XCTAssertEqual(other.inUseCount, 4)
        vf.stop()
        XCTAssertEqual(other.inUseCount, 0)
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

    /// A ring of N descriptors holds N - 1 unread frames: the NIC never fills the descriptor at
    /// the tail register (ixgbe starts with RDT = N - 1).
    func testRxRingFullCountsImissed() throws {
        let nic = MockNIC(vfCount: 1)
        let vf = try started(nic, 0) { $0.rxDescriptors = 32 }
        for i in 0..<40 { nic.injectFromUplink(frame(to: 0, seed: i)) }
        XCTAssertEqual(vf.counters.imissed, 9)
        let got = receiveAll(vf)
        XCTAssertEqual(got.count, 31)
        XCTAssertEqual(got.first?.frame, frame(to: 0, seed: 0), "the first 31 were kept, in order")
        got.forEach { $0.free() }
        XCTAssertEqual(buffersOutAfterStopping(nic), 0)
    }

    /// Start puts a buffer on every RX descriptor, and fails without them, as ixgbevf's
    /// (`ixgbe_alloc_rx_queue_mbufs`: -ENOMEM): a started VF holds its ring's worth of the pool.
    func testStartNeedsABufferForEveryReceiveDescriptor() throws {
        let nic = MockNIC(vfCount: 2, poolSize: 100)
        let a = try started(nic, 0)
        XCTAssertEqual(nic.pool.inUseCount, 64)
        XCTAssertEqual(a.buffersOnReceiveDescriptors, 64)
        XCTAssertThrowsError(try started(nic, 1)) { error in
            XCTAssertTrue("\(error)".contains("the pool has 36 free"), "\(error)")
        }
        XCTAssertEqual(nic.pool.inUseCount, 64, "the failed start gave back what it took")
        a.stop()
        XCTAssertEqual(nic.pool.inUseCount, 0)
        try nic.vfs[1].start()
        XCTAssertEqual(nic.vfs[1].buffersOnReceiveDescriptors, 64)
    }

    /// An empty pool starves the descriptors, not the frames already in them: ixgbe's vector RX
    /// arms read descriptors again 32 at a time, all or none (`ixgbe_rxq_rearm`: a failure adds
    /// 32 to `rx_nombuf`), and once none is armed, arriving frames are lost (`imissed`).
    func testEmptyPoolStopsReArmingVectorReceive() throws {
        let nic = MockNIC(vfCount: 1, poolSize: 64 + 40)
        let vf = try started(nic, 0)
        var held: [MockBuffer] = []
        while let b = nic.pool.allocate() { held.append(b) }
        for i in 0..<70 { nic.injectFromUplink(frame(to: 0, seed: i)) }
        XCTAssertEqual(vf.counters.imissed, 7, "63 descriptors the NIC may fill")
        var got = receiveAll(vf)
        XCTAssertEqual(got.count, 63, "every frame that found a descriptor is read")
        XCTAssertEqual(vf.counters.rxNoMbuf, 32, "the third receive could not arm 32 read descriptors")
        nic.injectFromUplink(frame(to: 0, seed: 70))
        XCTAssertEqual(vf.counters.imissed, 8, "no descriptor armed")
        held.suffix(32).forEach { $0.free() }
        held.removeLast(32)
        XCTAssertEqual(receiveAll(vf).count, 0)
        XCTAssertEqual(vf.buffersOnReceiveDescriptors, 33, "one batch armed again")
        nic.injectFromUplink(frame(to: 0, seed: 71))
        got += receiveAll(vf)
        XCTAssertEqual(got.last?.frame, frame(to: 0, seed: 71))
        (got + held).forEach { $0.free() }
        XCTAssertEqual(buffersOutAfterStopping(nic), 0)
    }

    /// ixgbe's scalar RX (rings of 32 descriptors, or not a multiple of 32) arms a new buffer for
    /// each frame it takes and stops at the first the pool cannot give (`ixgbe_recv_pkts`: one
    /// `rx_nombuf`); the frame waits in its descriptor.
    func testEmptyPoolHoldsFramesOnScalarReceive() throws {
        let nic = MockNIC(vfCount: 1, poolSize: 40 + 2)
        let vf = try started(nic, 0) { $0.rxDescriptors = 40 }
        var held: [MockBuffer] = []
        while let b = nic.pool.allocate() { held.append(b) }
        for i in 0..<3 { nic.injectFromUplink(frame(to: 0, seed: i)) }
        held.suffix(2).forEach { $0.free() }
        held.removeLast(2)
        let got = receiveAll(vf)
        XCTAssertEqual(got.map(\.frame), [frame(to: 0, seed: 0), frame(to: 0, seed: 1)])
        XCTAssertEqual(vf.counters.rxNoMbuf, 2, "each receive call stops at the first buffer it cannot get")
        got.forEach { $0.free() }
        let last = receiveAll(vf)
        XCTAssertEqual(last.map(\.frame), [frame(to: 0, seed: 2)])
        (last + held).forEach { $0.free() }
        XCTAssertEqual(buffersOutAfterStopping(nic), 0)
    }

    /// A frame longer than one buffer comes from `rx_pcap` in chained segments, as DPDK's pcap
    /// PMD delivers it (`eth_pcap_rx_jumbo`); while the pool cannot supply them it waits, and
    /// freeing the frame returns every segment.
    func testFrameLongerThanABufferArrivesInSegments() throws {
        let dir = try temporaryDirectory()
        let jumbo = frame(to: 0, payload: 5000)
        try PcapFile.write([jumbo, frame(to: 0)], to: "\(dir)/in.pcap")
        // 2048 bytes after the first buffer's headroom, 2176 in each further one: the jumbo
        // takes its descriptor's buffer and 2 from the pool, which has 2 beside the 64 armed.
        let pool = MockPool(size: 64 + 2)
        let vf = try MockVF(rxPcap: "\(dir)/in.pcap", txPcap: nil, pool: pool)
        var c = PortConfiguration()
        c.rxDescriptors = 64
        try vf.configure(c)
        try vf.start()
        let held = pool.allocate()!
        XCTAssertEqual(receiveAll(vf), [], "one buffer cannot continue the jumbo frame")
        XCTAssertEqual(pool.inUseCount, 65, "the attempt gave its buffers back")
        held.free()
        let got = receiveAll(vf)
        XCTAssertEqual(got.map(\.frame), [jumbo, frame(to: 0)])
        XCTAssertEqual(got.map(\.length), [jumbo.count, frame(to: 0).count])
        XCTAssertEqual(got.map(\.isContiguous), [false, true])
        XCTAssertEqual(pool.inUseCount, 66)
        got.forEach { $0.free() }
        XCTAssertEqual(pool.inUseCount, vf.buffersOnReceiveDescriptors)
        vf.stop()
        XCTAssertEqual(pool.inUseCount, 0)
        XCTAssertEqual(vf.counters.ipackets, 2)
    }

    /// Without an offload ixgbevf's TX path is the simple or vector one, which sends a chain's
    /// first buffer alone and never frees the others (`ixgbe_set_tx_function`,
    /// `rte_pktmbuf_prefree_seg`); with RTE_ETH_TX_OFFLOAD_MULTI_SEGS the whole frame leaves.
    func testChainedFramesNeedMultiSegmentTransmit() throws {
        let dir = try temporaryDirectory()
        let jumbo = frame(to: 0, payload: 5000)
        try PcapFile.write([jumbo], to: "\(dir)/in.pcap")
        for multiSegment in [false, true] {
            let pool = MockPool(size: 64 + 64 + 3)
            let vf = try MockVF(rxPcap: "\(dir)/in.pcap", txPcap: "\(dir)/out.pcap", pool: pool)
            var c = PortConfiguration()
            c.rxDescriptors = 64
            c.txDescriptors = 64
            c.transmitsChains = multiSegment
            try vf.configure(c)
            try vf.start()
            var got = receiveAll(vf)
            XCTAssertEqual(got.map(\.isContiguous), [false])
            XCTAssertEqual(vf.port.transmit(queue: 0, from: &got, count: 1), 1)
            vf.stop()
            try vf.flushCapture()
            let sent = try PcapFile.read("\(dir)/out.pcap")
            XCTAssertEqual(sent, multiSegment ? [jumbo] : [Array(jumbo.prefix(2048))])
            XCTAssertEqual(vf.counters.truncatedChains, multiSegment ? 0 : 1)
            XCTAssertEqual(pool.inUseCount, multiSegment ? 0 : 2, "the segments after the first are lost for good")
        }
    }

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

    /// vf-fwd's set-up on VFs of one PF: each port's rules put their VIDs in its VLAN filter, so
    /// the uplink VF receives VLAN 1001, while the PF drops VLAN 1002 before vf-fwd sees it.
    func testRulesVIDsReachTheVFsThroughThePF() throws {
        let nic = MockNIC(vfCount: 2)
        let config = try ForwarderConfig.load(yaml: """
            ports: [{ name: tenant, device: "mock:" }, { name: uplink, device: "mock:" }]
            rules: [{ in: { port: tenant, vlan: 1 }, out: { port: uplink, vlan: 1001 }, bidirectional: true }]
            """, file: "t.yaml")
        let vfs = try zip(nic.vfs, config.portConfigurations).map { vf, configuration in
            var c = configuration
            c.rxDescriptors = 64
            c.txDescriptors = 64
            try vf.configure(c)
            try vf.start()
            return vf
        }
        vfs[0].spoofCheck = false  // the tenant VF sends the uplink's frames with their source MAC
        let lane = ForwardingLane(plan: ForwardingPlan(config: config), ports: vfs.map(\.port),
                                  rxPairs: config.receiveQueues, txQueue: 0, burst: 32)
        nic.injectFromUplink(frame(to: 1, tags: [tag(1001, pcp: 5)]))
        nic.injectFromUplink(frame(to: 1, tags: [tag(1002)]))
        while lane.poll() > 0 {}
        XCTAssertEqual(vfs[1].counters.ipackets, 1, "the PF let VLAN 1001 in and dropped 1002")
        // Out of the tenant VF as VLAN 1; not for a VF whose filter has VLAN 1, so to the wire.
        XCTAssertEqual(nic.drainUplink(), [frame(to: 1, tags: [tag(1, pcp: 5)])])
        var counters = [PortCounters(), PortCounters()]
        for port in 0..<2 { lane.counters.read(port: port, into: &counters[port]) }
        XCTAssertEqual(counters.map(\.rxPackets), [0, 1])
        counters.assertAccountingIdentity()
        vfs.forEach { $0.stop() }
        XCTAssertEqual(buffersOutAfterStopping(nic), 0)
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

    /// vf-fwd on VFs of one emulated PF (`pf=`): wire frames reach a VF through the PF's MAC and
    /// VLAN filters, which the port's rules and `mac-addresses` set up; what the VFs send leaves
    /// through the VEB to the wire file. Frames the PF drops never reach vf-fwd's counters.
    func testVFFwdOnVFsOfAnEmulatedPF() throws {
        let dir = try temporaryDirectory()
        let uplinkMAC: [UInt8] = [0x02, 0x09, 0, 0, 1, 1], host: [UInt8] = [0x02, 0xaa, 0, 0, 0, 1]
        func wireFrame(to destination: [UInt8], vid: UInt16, seed: Int) -> [UInt8] {
            var bytes = Frame(tags: [tag(vid, pcp: 2)], seed: seed).bytes
            bytes.replaceSubrange(0..<6, with: destination)
            return bytes
        }
        try PcapFile.write([wireFrame(to: uplinkMAC, vid: 1001, seed: 0),   // for the uplink VF: forwarded
                            wireFrame(to: uplinkMAC, vid: 1002, seed: 1),   // VLAN not in its filter: the PF drops it
                            wireFrame(to: [0x02, 0xbb, 0, 0, 0, 9], vid: 1001, seed: 2),  // nobody's MAC: dropped
                            wireFrame(to: host, vid: 1001, seed: 3)],       // a MAC the uplink added: forwarded
                           to: "\(dir)/wire.pcap")
        let config = try ForwarderConfig.load(yaml: """
            ports:
              - { name: tenant, device: "mock:pf=nic0" }
              - { name: uplink, device: "mock:pf=nic0,wire_rx_pcap=\(dir)/wire.pcap,wire_tx_pcap=\(dir)/out.pcap",
                  mac-addresses: ["02:aa:00:00:00:01"] }
            rules: [{ in: { port: uplink, vlan: 1001 }, out: { port: tenant, vlan: 1 } }]
            """, file: "t.yaml")
        let forwarder = try MockForwarder(config: config)
        XCTAssertEqual(forwarder.portFacts.map(\.vlanFilter), [[], [1001]])
        try forwarder.start()
        var ticks = 0
        forwarder.run { ticks += 1; return ticks < 20 }
        try forwarder.shutdown()
        let c = forwarder.counters
        XCTAssertEqual(c.map(\.rxPackets), [0, 2])
        XCTAssertEqual(c.map(\.txPackets), [2, 0])
        c.assertAccountingIdentity()
        // The tenant VF sent both as VLAN 1; VLAN 1 is in no VF's filter, so they left on the wire.
        XCTAssertEqual(try PcapFile.read("\(dir)/out.pcap"), [wireFrame(to: uplinkMAC, vid: 1, seed: 0), wireFrame(to: host, vid: 1, seed: 3)])
        XCTAssertEqual(forwarder.buffersInUse, 0)
    }

    /// A PF reset under vf-fwd on an emulated PF: each VF is reset and set up again, its VLAN
    /// filter included, so the wire's VLAN reaches the uplink again afterwards.
    func testEmulatedPFResetRestoresTheVLANFilter() throws {
        let dir = try temporaryDirectory()
        var frame = Frame(tags: [tag(1001)]).bytes
        frame.replaceSubrange(0..<6, with: [0x02, 0x09, 0, 0, 1, 1])
        try PcapFile.write(Array(repeating: frame, count: 20_000), to: "\(dir)/wire.pcap")
        let config = try ForwarderConfig.load(yaml: """
            ports:
              - { name: tenant, device: "mock:pf=nic0" }
              - { name: uplink, device: "mock:pf=nic0,wire_rx_pcap=\(dir)/wire.pcap" }
            rules: [{ in: { port: uplink, vlan: 1001 }, out: { port: tenant, vlan: 1 } }]
            """, file: "t.yaml")
        let forwarder = try MockForwarder(config: config)
        try forwarder.start()
        var ticks = 0
        var receivedBeforeReset: UInt64 = 0
        forwarder.run {
            ticks += 1
            if ticks == 2 {
                receivedBeforeReset = forwarder.counters[1].rxPackets
                forwarder.vfs.forEach { $0.simulatePFReset() }
            }
            return ticks < 40
        }
        try forwarder.shutdown()
        XCTAssertEqual(forwarder.resets, [1, 1])
        XCTAssertEqual(forwarder.vfs[1].vlanFilter, [1001])
        XCTAssertGreaterThan(forwarder.counters[1].rxPackets, receivedBeforeReset, "VLAN 1001 reaches the uplink after the reset")
        forwarder.counters.assertAccountingIdentity()
        XCTAssertEqual(forwarder.buffersInUse, 0)
    }

    /// More VIDs than the PF's 64 shared VLAN filter entries: the forwarder refuses, naming the port.
    func testForwarderNamesThePortThePFRefuses() throws {
        let rules = (1...65).map { "  - { in: { port: a, vlan: \($0) }, out: { port: b } }" }.joined(separator: "\n")
        let config = try ForwarderConfig.load(yaml: """
            ports: [{ name: a, device: "mock:pf=n" }, { name: b, device: "mock:" }]
            rules:
            \(rules)
            """, file: "t.yaml")
        XCTAssertThrowsError(try MockForwarder(config: config)) {
            XCTAssertEqual("\($0)", "port a: the PF's 64 VLAN filter entries are all in use")
        }
        XCTAssertEqual(config.mockRefusals.map(\.warning), ["the ports on emulated PF n need 65 VLAN filter entries; an 82599 PF has 64 for all its VFs"],
                       "check says so first")
    }

    /// `check` finds what `MockVF.configure` refuses, with the queues the emulated PF gives.
    func testMockRefusalsMatchWhatConfigureRefuses() throws {
        let ports = (0..<16).map { "  - { name: v\($0), device: \"mock:pf=n\", rx-queues: \($0 == 0 ? 8 : 4) }" }.joined(separator: "\n")
        let config = try ForwarderConfig.load(yaml: """
            ports:
            \(ports)
              - { name: s, device: "mock:", rx-queues: 3, rx-descriptors: 16 }
            """, file: "t.yaml")
        XCTAssertEqual(config.mockRefusals.map { "\($0.port): \($0.warning)" },
                       ["v0: RX queues must be a power of two up to 4, got 8", "s: RX queues must be a power of two up to 8, got 3"])
        XCTAssertThrowsError(try MockForwarder(config: config)) { XCTAssertEqual("\($0)", "port v0: RX queues must be a power of two up to 4, got 8") }
    }

    func testEmulatedPFKeysAreChecked() {
        for (device, problem) in [("mock:pf=n,rx_pcap=a.pcap", "not rx_pcap/tx_pcap"), ("mock:wire_rx_pcap=a.pcap", "add pf=NAME"),
                                  ("mock:speed=10", "unknown mock parameter 'speed'")] {
            XCTAssertThrowsError(try ForwarderConfig.load(yaml: "ports: [{ name: a, device: \"\(device)\" }]", file: "t.yaml")) {
                XCTAssertTrue("\($0)".contains(problem), "\($0)")
            }
        }
        XCTAssertThrowsError(try ForwarderConfig.load(yaml: """
            ports:
              - { name: a, device: "mock:pf=n,wire_rx_pcap=a.pcap" }
              - { name: b, device: "mock:pf=n,wire_tx_pcap=b.pcap" }
            """, file: "t.yaml")) {
            XCTAssertTrue("\($0)".hasPrefix("t.yaml:3: emulated PF 'n' has its wire named by port 'a' on line 2"), "\($0)")
        }
    }

    /// A PF reset while forwarding: vf-fwd's mock runner resets, reconfigures and restarts.
    func testForwarderRecoversFromPFReset() throws {
        let dir = try temporaryDirectory()
        try PcapFile.write((0..<100).map { Frame(tags: [tag(5)], seed: $0).bytes }, to: "\(dir)/in.pcap")
        let config = try ForwarderConfig.load(yaml: """
            ports:
              - { name: a, device: "mock:rx_pcap=\(dir)/in.pcap" }
              - { name: b, device: "mock:tx_pcap=\(dir)/out.pcap" }
            rules: [{ in: { port: a, vlan: 5 }, out: { port: b, vlan: 6 } }]
            """, file: "t.yaml")
        let forwarder = try MockForwarder(config: config)
        try forwarder.start()
        var ticks = 0
        forwarder.run {
            ticks += 1
            if ticks == 1 { forwarder.vfs[1].simulatePFReset() }
            return ticks < 20
        }
        try forwarder.shutdown()
        XCTAssertEqual(forwarder.resets, [0, 1])
        let c = forwarder.counters
        XCTAssertEqual(c[0].rxPackets, 100)
        XCTAssertEqual(c[0].rxPackets, c[1].txPackets + c[0].dropped)
        XCTAssertEqual(try PcapFile.read("\(dir)/out.pcap").count, Int(c[1].txPackets))
        XCTAssertEqual(forwarder.pool.inUseCount, 0)
        // The reset VF's counters restarted from zero; the forwarder kept what it sent before.
        XCTAssertEqual(forwarder.deviceStats[0].ipackets, 100)
        XCTAssertEqual(forwarder.deviceStats[1].opackets, c[1].txPackets)
    }

    /// The forwarder tries a failed reset again until the PF is back, then forwards on; frames
    /// for the port meanwhile drop as tx_full, and nothing is unaccounted.
    func testForwarderRetriesAResetUntilThePFIsBack() throws {
        let dir = try temporaryDirectory()
        try PcapFile.write((0..<64).map { Frame(tags: [tag(5)], seed: $0).bytes }, to: "\(dir)/in.pcap")
        let config = try ForwarderConfig.load(yaml: """
            ports:
              - { name: a, device: "mock:rx_pcap=\(dir)/in.pcap,infinite_rx=1" }
              - { name: b, device: "mock:" }
            rules: [{ in: { port: a, vlan: 5 }, out: { port: b, vlan: 6 } }]
            """, file: "t.yaml")
        let forwarder = try MockForwarder(config: config)
        forwarder.resetRetryInterval = 0
        try forwarder.start()
        var ticks = 0
        var sentBeforeBack: UInt64 = 0
        forwarder.run {
            ticks += 1
            if ticks == 10 { forwarder.vfs[1].simulatePFReset(pfReady: false) }
            if ticks == 100 {
                XCTAssertEqual(forwarder.resets, [0, 0], "no reset succeeds while the PF is away")
                XCTAssertEqual(forwarder.vfs[1].state, .resetPending)
                sentBeforeBack = forwarder.counters[1].txPackets
                forwarder.vfs[1].simulatePFReady()
            }
            return ticks < 200
        }
        try forwarder.shutdown()
        XCTAssertEqual(forwarder.resets, [0, 1])
        let c = forwarder.counters
        XCTAssertGreaterThan(c[1].txPackets, sentBeforeBack, "b sends again once its PF is back")
        XCTAssertGreaterThan(c[0][.txFull], 0, "frames for b while it was away")
        XCTAssertEqual(c[0].rxPackets, c[1].txPackets + c[0].dropped)
        XCTAssertEqual(forwarder.pool.inUseCount, 0)
        XCTAssertEqual(forwarder.deviceStats[1].opackets, c[1].txPackets)
    }
}
