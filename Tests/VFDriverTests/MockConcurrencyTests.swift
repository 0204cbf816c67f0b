import Foundation
import VFDriver
import XCTest

/// The mock VF's promise that a test may inject frames on one thread while a lane polls on
/// another (each RX queue has one producer, the "wire", and one consumer, the driver). Run
/// under ThreadSanitizer by scripts/test.sh.
final class MockConcurrencyTests: XCTestCase {
    func testInjectOnOneThreadWhileAnotherPolls() throws {
        let frames = 20_000
        let nic = MockNIC(vfCount: 2, poolSize: 512)
        let receiver = nic.vfs[1]
        var c = PortConfiguration()
        c.rxDescriptors = 64
        try receiver.configure(c)
        try receiver.start()
        let frame = receiver.mac + Frame(payloadBytes: 46).bytes.dropFirst(6)

        let injected = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            for _ in 0..<frames { nic.injectFromUplink(frame) }
            injected.signal()
        }
        // The lane's side: receive and free, in sequence order, until the wire is quiet.
        let buffers = UnsafeMutablePointer<MockBuffer>.allocate(capacity: 32)
        defer { buffers.deallocate() }
        var received = 0, corrupt = 0
        var injectorDone = false
        while true {
            let n = receiver.port.receive(queue: 0, into: buffers, capacity: 32)
            for i in 0..<n {
                if buffers[i].frame != frame { corrupt += 1 }
                buffers[i].free()
            }
            received += n
            if n == 0 {
                if injectorDone { break }
                injectorDone = injected.wait(timeout: .now()) == .success
            }
        }
        let counters = receiver.counters
        XCTAssertEqual(corrupt, 0)
        XCTAssertGreaterThan(received, 0)
        XCTAssertEqual(UInt64(received) + counters.imissed, UInt64(frames), "every frame received or lost for want of a descriptor")
        XCTAssertEqual(counters.ipackets, UInt64(received))
        receiver.stop()
        XCTAssertEqual(nic.pool.inUseCount, 0)
    }

    /// A pipeline over `RingPair`s: this thread is the I/O core (mock VF a's RX into a
    /// ring, the other ring out to mock VF b's TX), another the worker, the VLAN engine's lane
    /// unchanged over its ring ends (VLAN 100 to 200; VLAN 300 has no rule). Every frame
    /// crosses once, in order, rewritten or counted as dropped; every buffer comes back.
    func testTheEngineAsAPipelineWorkerOverRingPortsLosesNothing() throws {
        let dir = try temporaryDirectory()
        let frames = (0..<5000).map { Frame(tags: [tag($0 % 10 == 0 ? 300 : 100, pcp: UInt16($0 % 8))], payloadBytes: 46 + $0 % 50, seed: $0).bytes }
        try PcapFile.write(frames, to: "\(dir)/in.pcap")
        let pool = MockPool(size: 2048)
        let wireA = try MockVF(rxPcap: "\(dir)/in.pcap", txPcap: nil, index: 0, pool: pool)
        let wireB = try MockVF(rxPcap: nil, txPcap: "\(dir)/out.pcap", index: 1, pool: pool)
        for vf in [wireA, wireB] {
            try vf.configure(PortConfiguration())
            try vf.start()
        }
        let config = try ForwarderConfig.load(yaml: """
            ports: [{ name: a, device: "mock:" }, { name: b, device: "mock:" }]
            rules: [{ in: { port: a, vlan: 100 }, out: { port: b, vlan: 200 }, bidirectional: true }]
            """, file: "pipeline.yaml")
        // What the worker sends back meets a full ring only after its lane's bounded retries, and
        // then drops as tx_full (spec section 5); so the way back has room for every frame.
        let linkA = RingPair<MockBuffer>(capacity: 64), linkB = RingPair<MockBuffer>(capacity: 8192)
        let (ioA, workerA) = linkA.ends, (ioB, workerB) = linkB.ends
        let lane = ForwardingLane(plan: ForwardingPlan(config: config), ports: [workerA, workerB], rxPairs: [(0, 0), (1, 0)],
                                  txQueue: 0, burst: 32)
        let workerDone = DispatchSemaphore(value: 0)
        let total = UInt64(frames.count)
        Thread.detachNewThread {
            var seen = PortCounters()
            while seen.rxPackets < total {
                _ = lane.poll()
                seen = PortCounters()
                lane.counters.read(port: 0, into: &seen)
            }
            workerDone.signal()
        }
        // The I/O core: a ring without room holds the burst back, as a full TX queue would.
        var fromWire = PacketBurst<MockBuffer>(capacity: 32), toWire = PacketBurst<MockBuffer>(capacity: 32)
        let expected = frames.filter { $0[15] == 100 }.map { var f = $0; f[15] = 200; return f }
        var sent = 0, workerFinished = false
        // Until the worker is done and all it sent is out (a frame lost on the way fails the
        // checks below rather than hang the test).
        while !workerFinished || !linkB.back.isEmpty || !toWire.isEmpty {
            fromWire.receive(from: wireA.port, queue: 0)
            fromWire.transmit(to: ioA, queue: 0)
            toWire.receive(from: ioB, queue: 0)
            sent += toWire.transmit(to: wireB.port, queue: 0)
            workerFinished = workerFinished || workerDone.wait(timeout: .now()) == .success
        }
        var a = PortCounters(), b = PortCounters()
        lane.counters.read(port: 0, into: &a)
        lane.counters.read(port: 1, into: &b)
        XCTAssertEqual(a.rxPackets, total)
        XCTAssertEqual(a[.noRule], total / 10)
        XCTAssertEqual(b.txPackets, UInt64(expected.count))
        XCTAssertEqual(sent, expected.count)
        XCTAssertTrue(fromWire.isEmpty && toWire.isEmpty)
        XCTAssertEqual(linkA.freeAll() + linkB.freeAll(), 0)
        for vf in [wireA, wireB] { vf.stop() }
        try wireB.flushCapture()
        XCTAssertEqual(try PcapFile.read("\(dir)/out.pcap"), expected)
        XCTAssertEqual(pool.inUseCount, 0)
    }

    /// Two workers share one multi-producer multi-consumer pair: each takes what it wins from
    /// the I/O core's ring and sends into one ring back. Order across workers is theirs to
    /// lose, but every frame comes back once, rewritten, and every buffer returns.
    func testTwoWorkersShareAMultiProducerMultiConsumerPair() throws {
        // Never more frames out than the pool's 4096, so the ring back always has room: no
        // worker meets a full ring, and none drops as tx_full.
        let pool = MockPool(size: 4096)
        let total = 20_000  // numbers below 0x8100: the number in the ethertype is never a TPID
        let link = RingPair<MockBuffer>(capacity: 4096, producers: .multi, consumers: .multi)
        let (io, workerEnd) = link.ends
        let config = try ForwarderConfig.load(yaml: """
            ports: [{ name: w, device: "mock:" }]
            rules: [{ in: { port: w, vlan: 100 }, out: { port: w, vlan: 200 } }]
            """, file: "workers.yaml")
        let lanes = (0..<2).map { _ in
            ForwardingLane(plan: ForwardingPlan(config: config), ports: [workerEnd], rxPairs: [(0, 0)], txQueue: 0, burst: 32)
        }
        let stop = DispatchSemaphore(value: 0), stopped = DispatchSemaphore(value: 0)
        for lane in lanes {
            Thread.detachNewThread {
                while stop.wait(timeout: .now()) != .success { _ = lane.poll() }
                stop.signal()  // for the other worker
                stopped.signal()
            }
        }
        var out = PacketBurst<MockBuffer>(capacity: 32), back = PacketBurst<MockBuffer>(capacity: 32)
        var made = 0, returned: [UInt16] = []
        while returned.count < total {
            while made < total && out.count < out.capacity, let buffer = pool.allocate() {
                XCTAssertTrue(Frame(tags: [tag(100)], seed: made).bytes.withUnsafeBytes { buffer.setFrame($0) })
                buffer.data[16] = UInt8(made >> 8)  // the frame's number, in the ethertype's place
                buffer.data[17] = UInt8(made & 0xff)
                _ = out.append(buffer)
                made += 1
            }
            out.transmit(to: io, queue: 0)
            back.receive(from: io, queue: 0)
            for i in 0..<back.count {
                XCTAssertEqual(back[i].data[15], 200)
                returned.append(UInt16(back[i].data[16]) << 8 | UInt16(back[i].data[17]))
            }
            back.freeAll()
        }
        stop.signal()
        stopped.wait()
        stopped.wait()
        XCTAssertEqual(returned.sorted(), (0..<total).map(UInt16.init))
        var counted = PortCounters()
        for lane in lanes { lane.counters.read(port: 0, into: &counted) }
        XCTAssertEqual(counted.rxPackets, UInt64(total))
        XCTAssertEqual(counted.txPackets, UInt64(total))
        XCTAssertEqual(link.freeAll(), 0)
        XCTAssertEqual(pool.inUseCount, 0)
    }
}
