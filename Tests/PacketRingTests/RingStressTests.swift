import Foundation
import PacketRing
import XCTest

/// Producers and consumers on their own threads pass sequence-numbered values: nothing may be
/// lost, duplicated or reordered per producer. Run under ThreadSanitizer by scripts/test.sh.
final class RingStressTests: XCTestCase {
    /// A value: producer id in the top 16 bits, sequence number below.
    func stress(producers: Int, consumers: Int, perProducer: Int, capacity: Int, batch: Int, bulk: Bool) {
        let ring = Ring<UInt>(capacity: capacity, producers: producers > 1 ? .multi : .single,
                              consumers: consumers > 1 ? .multi : .single)
        let shared = Shared(producers: producers, consumers: consumers)
        let done = DispatchGroup()

        for p in 0..<producers {
            Thread.detachNewThread { [done] in
                var values = [UInt](repeating: 0, count: batch)
                var next = 0
                while next < perProducer {
                    let n = min(batch, perProducer - next)
                    for i in 0..<n { values[i] = UInt(p) << 48 | UInt(next + i) }
                    let sent = bulk ? ring.enqueueBulk(values, count: n) : ring.enqueueBurst(values, count: n)
                    next += sent
                    if sent == 0 { sched_yield() }
                }
                shared.producerFinished()
                done.leave()
            }
            done.enter()
        }
        for c in 0..<consumers {
            done.enter()
            Thread.detachNewThread { [done] in
                var buffer = [UInt](repeating: 0, count: batch)
                var mine: [UInt] = []
                while true {
                    let got = bulk ? ring.dequeueBulk(into: &buffer, count: batch) : ring.dequeueBurst(into: &buffer, count: batch)
                    mine += buffer[0..<got]
                    if got == 0 {
                        // Bulk may leave fewer than `batch` behind: take them one at a time.
                        if shared.producersFinished {
                            while let v = ring.dequeue() { mine.append(v) }
                            break
                        }
                        sched_yield()
                    }
                }
                shared.store(mine, consumer: c)
                done.leave()
            }
        }
        XCTAssertEqual(done.wait(timeout: .now() + 120), .success, "stress run did not finish")

        var seen = [[Bool]](repeating: [Bool](repeating: false, count: perProducer), count: producers)
        for c in 0..<consumers {
            var last = [Int](repeating: -1, count: producers)
            for value in shared.received[c] {
                let p = Int(value >> 48), seq = Int(value & 0xffff_ffff_ffff)
                XCTAssertFalse(seen[p][seq], "value \(p)/\(seq) received twice")
                seen[p][seq] = true
                XCTAssertGreaterThan(seq, last[p], "producer \(p) reordered at consumer \(c)")
                last[p] = seq
            }
        }
        let lost = seen.reduce(0) { $0 + $1.filter { !$0 }.count }
        XCTAssertEqual(lost, 0, "values lost")
        XCTAssertTrue(ring.isEmpty)
    }

    func testSPSCBurst() { stress(producers: 1, consumers: 1, perProducer: 200_000, capacity: 64, batch: 7, bulk: false) }
    func testSPSCBulk() { stress(producers: 1, consumers: 1, perProducer: 200_000, capacity: 100, batch: 8, bulk: true) }
    func testMPMCBurst() { stress(producers: 3, consumers: 3, perProducer: 50_000, capacity: 64, batch: 5, bulk: false) }
    func testMPMCBulk() { stress(producers: 2, consumers: 2, perProducer: 50_000, capacity: 128, batch: 32, bulk: true) }
    /// A tiny ring keeps every side waiting on the others, so the shared copies of the tails go
    /// stale all the time.
    func testMPMCTinyRing() { stress(producers: 4, consumers: 3, perProducer: 40_000, capacity: 4, batch: 3, bulk: false) }
    func testMPSC() { stress(producers: 4, consumers: 1, perProducer: 30_000, capacity: 32, batch: 3, bulk: false) }
}

/// What the stress threads share besides the ring, behind a lock.
private final class Shared: @unchecked Sendable {
    private let lock = NSLock()
    private var producersLeft: Int
    private(set) var received: [[UInt]]

    init(producers: Int, consumers: Int) {
        producersLeft = producers
        received = Array(repeating: [], count: consumers)
    }

    var producersFinished: Bool { lock.withLock { producersLeft == 0 } }
    func producerFinished() { lock.withLock { producersLeft -= 1 } }
    func store(_ values: [UInt], consumer: Int) { lock.withLock { received[consumer] = values } }
}
