import VFDriver
import XCTest

/// `RingPair`, two ports back to back over rings: what each end sends the other receives, in
/// order; a full ring takes what fits; frames left in a pair go back to the pool with it.
final class RingPairTests: MockVFTestCase {
    func testEachEndReceivesWhatTheOtherSentInOrderUpToTheCapacity() throws {
        let pool = MockPool(size: 64)
        let pair = RingPair<MockBuffer>(capacity: 8)
        let (left, right) = pair.ends
        var burst = PacketBurst<MockBuffer>(capacity: 16)
        for seed in 0..<10 {
            let buffer = pool.allocate()!
            XCTAssertTrue(frame(to: 1, seed: seed).withUnsafeBytes { buffer.setFrame($0) })
            XCTAssertTrue(burst.append(buffer))
        }
        XCTAssertEqual(burst.transmit(to: left, queue: 0), 8, "the ring holds 8")
        XCTAssertEqual(burst.count, 2)
        XCTAssertEqual(burst.receive(from: left, queue: 0), 0, "nothing came the other way")
        XCTAssertEqual(burst.freeAll(), 2)

        XCTAssertEqual(burst.receive(from: right, queue: 0), 8)
        XCTAssertEqual((0..<8).map { burst[$0].frame }, (0..<8).map { frame(to: 1, seed: $0) })
        XCTAssertEqual(burst.transmit(to: right, queue: 0), 8, "and back")
        XCTAssertEqual(burst.receive(from: left, queue: 0), 8)
        XCTAssertEqual(burst.freeAll(), 8)
        XCTAssertEqual(pair.freeAll(), 0, "and the pair lived until here, as its ends need")
        XCTAssertEqual(pool.inUseCount, 0)
    }

    func testFramesLeftInAPairGoBackToThePoolWithIt() throws {
        let pool = MockPool(size: 64)
        do {
            let pair = RingPair<MockBuffer>(capacity: 32)
            var burst = PacketBurst<MockBuffer>(capacity: 32)
            for _ in 0..<20 { XCTAssertTrue(burst.append(pool.allocate()!)) }
            XCTAssertEqual(burst.transmit(to: pair.ends.0, queue: 0), 20)
            XCTAssertEqual(pool.inUseCount, 20)
        }
        XCTAssertEqual(pool.inUseCount, 0)
    }
}
