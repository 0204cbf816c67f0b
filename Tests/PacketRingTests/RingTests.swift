@testable import PacketRing
import XCTest

/// Single-thread behaviour of every operation, at the boundaries and across index wraparound.
final class RingTests: XCTestCase {
    let modes: [(Ring<UInt>.Synchronization, Ring<UInt>.Synchronization)] = [(.single, .single), (.multi, .multi), (.single, .multi), (.multi, .single)]

    func testExactCapacity() {
        for capacity in [1, 3, 1000, 1024, 4096] {
            let ring = Ring<UInt>(capacity: capacity)
            XCTAssertEqual(ring.capacity, capacity)
            XCTAssertTrue(ring.isEmpty)
            for i in 0..<capacity { XCTAssertTrue(ring.enqueue(UInt(i)), "capacity \(capacity) element \(i)") }
            XCTAssertFalse(ring.enqueue(99), "a ring of \(capacity) took \(capacity + 1)")
            XCTAssertTrue(ring.isFull)
            XCTAssertEqual(ring.count, capacity)
            XCTAssertEqual(ring.freeCount, 0)
            for i in 0..<capacity { XCTAssertEqual(ring.dequeue(), UInt(i)) }
            XCTAssertNil(ring.dequeue())
        }
    }

    func testBulkIsAllOrNothing() {
        for (p, c) in modes {
            let ring = Ring<UInt>(capacity: 10, producers: p, consumers: c)
            let values: [UInt] = Array(0..<8)
            XCTAssertEqual(ring.enqueueBulk(values, count: 8), 8)
            XCTAssertEqual(ring.enqueueBulk(values, count: 3), 0, "only 2 free")
            XCTAssertEqual(ring.count, 8)
            XCTAssertEqual(ring.enqueueBulk(values, count: 2), 2)
            var out = [UInt](repeating: 0, count: 16)
            XCTAssertEqual(ring.dequeueBulk(into: &out, count: 11), 0, "only 10 present")
            XCTAssertEqual(ring.dequeueBulk(into: &out, count: 10), 10)
            XCTAssertEqual(Array(out[0..<10]), values + [0, 1])
            XCTAssertEqual(ring.dequeueBulk(into: &out, count: 0), 0)
        }
    }

    func testBurstTakesWhatFits() {
        for (p, c) in modes {
            let ring = Ring<UInt>(capacity: 10, producers: p, consumers: c)
            let values: [UInt] = Array(100..<116)
            XCTAssertEqual(ring.enqueueBurst(values, count: 16), 10)
            XCTAssertEqual(ring.enqueueBurst(values, count: 1), 0)
            var out = [UInt](repeating: 0, count: 16)
            XCTAssertEqual(ring.dequeueBurst(into: &out, count: 4), 4)
            XCTAssertEqual(Array(out[0..<4]), [100, 101, 102, 103])
            XCTAssertEqual(ring.dequeueBurst(into: &out, count: 16), 6)
            XCTAssertEqual(Array(out[0..<6]), Array(104..<110))
            XCTAssertEqual(ring.dequeueBurst(into: &out, count: 16), 0)
            XCTAssertTrue(ring.isEmpty)
        }
    }

    /// Free-running 32-bit indices: the ring works the same across 2^32.
    func testWrapAroundTheIndexSpace() {
        for (p, c) in modes {
            for start in [UInt32.max - 5, UInt32.max, UInt32.max - 1000] {
                let ring = Ring<UInt>(capacity: 7, producers: p, consumers: c, startIndex: start)
                var next: UInt = 0, expected: UInt = 0
                var out = [UInt](repeating: 0, count: 8)
                for round in 0..<500 {
                    let batch = [UInt]((0..<UInt(round % 8)).map { next + $0 })
                    let sent = ring.enqueueBurst(batch, count: batch.count)
                    next += UInt(sent)
                    XCTAssertLessThanOrEqual(ring.count, 7)
                    let got = ring.dequeueBurst(into: &out, count: (round * 3) % 8)
                    for i in 0..<got {
                        XCTAssertEqual(out[i], expected)
                        expected += 1
                    }
                }
                while let value = ring.dequeue() {
                    XCTAssertEqual(value, expected)
                    expected += 1
                }
                XCTAssertEqual(expected, next)
            }
        }
    }

    func testWrapAroundTheSlots() {
        let ring = Ring<UInt>(capacity: 8)
        var out = [UInt](repeating: 0, count: 8)
        for round in 0..<100 {
            let values = (0..<5).map { UInt(round * 5 + $0) }
            XCTAssertEqual(ring.enqueueBulk(values, count: 5), 5)
            XCTAssertEqual(ring.dequeueBulk(into: &out, count: 5), 5)
            XCTAssertEqual(Array(out[0..<5]), values)
        }
    }

    /// Random sequences of every operation, on rings of many capacities, each mode and start
    /// index, against an array as the model: what each returns, the elements in order, and
    /// `count`, `freeCount`, `isEmpty` and `isFull` after every step.
    func testRandomOperationsAgainstAModel() {
        var random = SystemRandomNumberGenerator()
        var out = [UInt](repeating: 0, count: 80)
        var next: UInt = 0
        for (p, c) in modes {
            for capacity in [1, 2, 3, 5, 8, 31, 64, 70] {
                for start in [0, UInt32.max - 40, UInt32.max] {
                    let ring = Ring<UInt>(capacity: capacity, producers: p, consumers: c, startIndex: start)
                    var model: [UInt] = []
                    for step in 0..<2000 {
                        let n = Int.random(in: 0...(capacity + 3), using: &random)
                        let values = (0..<UInt(n)).map { next + $0 }
                        let what = "capacity \(capacity), start \(start), step \(step), n \(n)"
                        switch Int.random(in: 0..<6, using: &random) {
                        case 0:
                            let taken = ring.enqueueBulk(values, count: n)
                            XCTAssertEqual(taken, model.count + n <= capacity ? n : 0, what)
                            model += values.prefix(taken)
                        case 1:
                            let taken = ring.enqueueBurst(values, count: n)
                            XCTAssertEqual(taken, min(n, capacity - model.count), what)
                            model += values.prefix(taken)
                        case 2:
                            let taken = ring.enqueue(next)
                            XCTAssertEqual(taken, model.count < capacity, what)
                            if taken { model.append(next) }
                        case 3:
                            let got = ring.dequeueBulk(into: &out, count: n)
                            XCTAssertEqual(got, n <= model.count ? n : 0, what)
                            XCTAssertEqual(Array(out.prefix(got)), Array(model.prefix(got)), what)
                            model.removeFirst(got)
                        case 4:
                            let got = ring.dequeueBurst(into: &out, count: n)
                            XCTAssertEqual(got, min(n, model.count), what)
                            XCTAssertEqual(Array(out.prefix(got)), Array(model.prefix(got)), what)
                            model.removeFirst(got)
                        default:
                            XCTAssertEqual(ring.dequeue(), model.first, what)
                            if !model.isEmpty { model.removeFirst() }
                        }
                        next += UInt(n) + 1
                        XCTAssertEqual(ring.count, model.count, what)
                        XCTAssertEqual(ring.freeCount, capacity - model.count, what)
                        XCTAssertEqual(ring.isEmpty, model.isEmpty, what)
                        XCTAssertEqual(ring.isFull, model.count == capacity, what)
                    }
                }
            }
        }
    }

    func testPointerElements() {
        let ring = Ring<UnsafeMutableRawPointer>(capacity: 4)
        let block = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
        defer { block.deallocate() }
        XCTAssertTrue(ring.enqueue(block + 8))
        XCTAssertEqual(ring.dequeue(), block + 8)
    }

    /// What a side reads on every call, what it publishes and the slots: each on lines of its
    /// own, and the producer's and the consumer's lines in different 128-byte pairs, which the
    /// adjacent-line prefetcher fetches together.
    func testEachSidesLinesStayOutOfTheOtherSidesPair() {
        func line(_ offset: Int) -> Int { offset / 64 }
        let producer = Set([RingLayout.producerHead, RingLayout.cachedConsumerTail, RingLayout.sharedConsumerTail].map(line))
        let consumer = Set([RingLayout.consumerHead, RingLayout.cachedProducerTail, RingLayout.sharedProducerTail].map(line))
        XCTAssertEqual(producer.count, 1)
        XCTAssertEqual(consumer.count, 1)
        let lines = [producer.first!, line(RingLayout.producerTail), consumer.first!, line(RingLayout.consumerTail), line(RingLayout.slots)]
        XCTAssertEqual(Set(lines).count, lines.count)
        XCTAssertEqual(RingLayout.alignment, 128)
        XCTAssertEqual(lines.map { $0 / 2 }, [0, 0, 1, 1, 2])
    }
}
