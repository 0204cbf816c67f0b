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

    /// A two-stage pipeline over `RingLink`s: this thread is the I/O core (mock VF RX into a
    /// link, the link back out to a mock VF's TX), another the worker (rewrites VLAN 100 to 200).
    /// Every frame crosses both links once, in order, rewritten; every buffer comes back.
    func testAPipelineOverRingLinksLosesNothing() throws {
        let dir = try temporaryDirectory()
        let frames = (0..<5000).map { Frame(tags: [tag(100, pcp: UInt16($0 % 8))], payloadBytes: 46 + $0 % 50, seed: $0).bytes }
        try PcapFile.write(frames, to: "\(dir)/in.pcap")
        let pool = MockPool(size: 2048)
        let rx = try MockVF(rxPcap: "\(dir)/in.pcap", txPcap: nil, index: 0, pool: pool)
        let tx = try MockVF(rxPcap: nil, txPcap: "\(dir)/out.pcap", index: 1, pool: pool)
        for vf in [rx, tx] {
            try vf.configure(PortConfiguration())
            try vf.start()
        }
        let toWorker = RingLink<MockBuffer>(capacity: 64), fromWorker = RingLink<MockBuffer>(capacity: 64)
        let workerDone = DispatchSemaphore(value: 0)
        let total = frames.count
        Thread.detachNewThread {
            var burst = PacketBurst<MockBuffer>(capacity: 32)
            var forwarded = 0
            while forwarded < total {
                let n = burst.receive(from: toWorker, queue: 0)
                burst.withUnsafeMutableBuffers { frames in
                    for frame in frames[(frames.count - n)...] { frame.data[15] = 200 }
                }
                forwarded += burst.transmit(to: fromWorker, queue: 0)  // a full link: the rest waits in the burst
            }
            workerDone.signal()
        }
        // The I/O core: the file into the worker, the worker's frames out; a link with no room
        // holds the burst back, as a full TX queue would.
        var fromWire = PacketBurst<MockBuffer>(capacity: 32), toWire = PacketBurst<MockBuffer>(capacity: 32)
        var sent = 0
        while sent < frames.count {
            fromWire.receive(from: rx.port, queue: 0)
            fromWire.transmit(to: toWorker, queue: 0)
            toWire.receive(from: fromWorker, queue: 0)
            sent += toWire.transmit(to: tx.port, queue: 0)
        }
        workerDone.wait()
        XCTAssertTrue(fromWire.isEmpty && toWire.isEmpty)
        XCTAssertEqual(toWorker.freeAll() + fromWorker.freeAll(), 0)
        for vf in [rx, tx] { vf.stop() }
        try tx.flushCapture()
        XCTAssertEqual(try PcapFile.read("\(dir)/out.pcap"), frames.map { var f = $0; f[15] = 200; return f })
        XCTAssertEqual(pool.inUseCount, 0)
    }
}
