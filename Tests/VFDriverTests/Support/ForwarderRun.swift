import Atomics
import XCTest
import VFDriver

extension Forwarder {
    /// Forwards until `tick` (called as `run` calls it, between bursts) returns false.
    func run(while tick: () -> Bool) {
        let stop = UnsafeAtomic<Bool>.create(false)
        defer { stop.destroy() }
        run(shouldStop: stop) { if !tick() { stop.store(true, ordering: .relaxed) } }
    }
}

extension Array where Element == PortCounters {
    /// Every received frame sent or dropped (spec section 5), over all ports.
    func assertAccountingIdentity(file: StaticString = #filePath, line: UInt = #line) {
        let rx = reduce(0) { $0 + $1.rxPackets }, tx = reduce(0) { $0 + $1.txPackets }, dropped = reduce(0) { $0 + $1.dropped }
        XCTAssertEqual(rx, tx + dropped, "accounting identity", file: file, line: line)
    }
}
