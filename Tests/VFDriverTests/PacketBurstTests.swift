import VFDriver
import XCTest

/// `PacketBurst`, the caller-owned burst array of the library's users: what it receives and
/// sends, what stays in it, and that every frame it holds goes back to the pool however it ends.
final class PacketBurstTests: MockVFTestCase {
    /// Received frames are appended after those held; a TX queue without room for all takes the
    /// first ones, and the rest stay in order at the front.
    func testTransmitKeepsWhatTheQueueHadNoRoomForInOrder() throws {
        let nic = MockNIC(vfCount: 2)
        let rx = try started(nic, 0) { $0.rxDescriptors = 128 }
        let tx = try started(nic, 1)
        tx.txStalled = true  // the wire takes nothing: 63 descriptors, then the queue is full
        var burst = PacketBurst<MockBuffer>(capacity: 64)
        for i in 0..<100 { nic.injectFromUplink(frame(to: 0, seed: i)) }

        XCTAssertEqual(burst.receive(from: rx.port, queue: 0), 32)
        XCTAssertEqual(burst.receive(from: rx.port, queue: 0), 32)
        XCTAssertEqual(burst.receive(from: rx.port, queue: 0), 0, "no room left")
        XCTAssertEqual(burst.count, 64)
        XCTAssertEqual(burst[63].frame, frame(to: 0, seed: 63))
        XCTAssertEqual(burst.transmit(to: tx.port, queue: 0), 63)
        XCTAssertEqual(burst.count, 1)
        XCTAssertEqual(burst[0].frame, frame(to: 0, seed: 63), "the one not taken moved to the front")
        XCTAssertEqual(burst.receive(from: rx.port, queue: 0), 32)
        XCTAssertEqual((0..<burst.count).map { burst[$0].frame }, (63..<96).map { frame(to: 0, seed: $0) })
        XCTAssertEqual(burst.transmit(to: tx.port, queue: 0), 0, "the queue is full")
        XCTAssertEqual(burst.count, 33)
        XCTAssertEqual(burst.freeAll(), 33)
        XCTAssertTrue(burst.isEmpty)
        for vf in [rx, tx] { vf.stop() }
        XCTAssertEqual(nic.pool.inUseCount, 0)
    }

    /// `free(where:)` drops the frames it selects and keeps the others in order.
    func testFreeWhereKeepsTheOthersInOrder() throws {
        let nic = MockNIC(vfCount: 1)
        let vf = try started(nic, 0)
        for i in 0..<32 { nic.injectFromUplink(frame(to: 0, payload: 46 + i, seed: i)) }
        var burst = PacketBurst<MockBuffer>(capacity: 32)
        burst.receive(from: vf.port, queue: 0)
        XCTAssertEqual(burst.free { $0.length % 2 == 1 }, 16)
        XCTAssertEqual((0..<burst.count).map { burst[$0].frame }, stride(from: 0, to: 32, by: 2).map { frame(to: 0, payload: 46 + $0, seed: $0) })
        burst.withUnsafeMutableBuffers { $0.reverse() }
        XCTAssertEqual(burst[0].frame, frame(to: 0, payload: 76, seed: 30), "rewritten in place")
        XCTAssertEqual(burst.freeAll(), 16)
        vf.stop()
        XCTAssertEqual(nic.pool.inUseCount, 0)
    }

    /// A burst that ends while it holds frames (an early return, a thrown error) gives them back.
    func testABurstThatEndsReturnsItsFramesToThePool() throws {
        let nic = MockNIC(vfCount: 1)
        let vf = try started(nic, 0)
        for i in 0..<20 { nic.injectFromUplink(frame(to: 0, seed: i)) }
        struct Abandoned: Error {}
        func poll() throws {
            var burst = PacketBurst<MockBuffer>(capacity: 32)
            XCTAssertEqual(burst.receive(from: vf.port, queue: 0), 20)
            throw Abandoned()
        }
        XCTAssertThrowsError(try poll())
        vf.stop()
        XCTAssertEqual(nic.pool.inUseCount, 0)
    }

    /// Frames a program makes itself (a generator, a reply) join a burst with `append`, up to
    /// its capacity, and leave by the same transmit.
    func testAppendedFramesAreSentLikeReceivedOnes() throws {
        let nic = MockNIC(vfCount: 1)
        let vf = try started(nic, 0)
        vf.spoofCheck = false
        var burst = PacketBurst<MockBuffer>(capacity: 4)
        let frames = (0..<5).map { frame(to: 7, seed: $0) }
        var made: [MockBuffer] = []
        for bytes in frames {
            let buffer = nic.pool.allocate()!
            XCTAssertTrue(bytes.withUnsafeBytes { buffer.setFrame($0) })
            made.append(buffer)
        }
        XCTAssertEqual(made.map { burst.append($0) }, [true, true, true, true, false])
        made[4].free()  // refused: still the caller's
        XCTAssertEqual(burst.transmit(to: vf.port, queue: 0), 4)
        XCTAssertEqual(nic.drainUplink(), Array(frames[..<4]))
        vf.stop()
        XCTAssertEqual(nic.pool.inUseCount, 0)
    }
}
