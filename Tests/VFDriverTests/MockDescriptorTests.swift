import VFDriver
import XCTest

/// The mock VF's descriptor rings and buffers as ixgbe's RX and TX paths handle them: vector
/// bursts, armed RX descriptors, an empty pool, lazy TX reclaim, chains.
final class MockDescriptorTests: MockVFTestCase {
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
}
