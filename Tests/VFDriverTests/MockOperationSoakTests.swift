@testable import VFDriver
import XCTest

/// Random sequences of what a driver and a test do to a PF's VFs (configure with other ring
/// sizes, start, stop, receive, hold, send, free, inject, drain the pool, flap the link, stall
/// TX, reset the PF): after every step each buffer out of the pool is on an RX or TX descriptor
/// or in the test's hands, each started RX queue's descriptors are filled, armed or waiting to
/// be armed, and at the end every buffer comes back.
final class MockOperationSoakTests: MockVFTestCase {
    func testBuffersAreAccountedForThroughRandomOperations() throws {
        for seed in 1...20 as ClosedRange<UInt64> { try soak(seed: seed) }
    }

    func soak(seed: UInt64) throws {
        var random = SeededGenerator(state: seed)
        let nic = MockNIC(vfCount: 2, poolSize: 600)
        var held: [MockBuffer] = []
        var received = 0, sent = 0
        let buffers = UnsafeMutablePointer<MockBuffer>.allocate(capacity: 64)
        defer { buffers.deallocate() }
        func configure(_ vf: MockVF, _ random: inout SeededGenerator) {
            var c = PortConfiguration()
            c.rxDescriptors = [32, 40, 64, 128].randomElement(using: &random)!
            c.txDescriptors = [64, 128].randomElement(using: &random)!
            try? vf.configure(c)
        }
        for vf in nic.vfs { configure(vf, &random) }
        for step in 0..<1000 {
            let vf = nic.vfs.randomElement(using: &random)!
            switch Int.random(in: 0..<12, using: &random) {
            case 0 where vf.state != .started: configure(vf, &random)
            case 1: try? vf.start()
            case 2: vf.stop()
            case 3, 4:
                let n = vf.port.receive(queue: 0, into: buffers, capacity: Int.random(in: 0...64, using: &random))
                held += UnsafeBufferPointer(start: buffers, count: n)
                received += n
            case 5:
                var sending = Array(held.prefix(Int.random(in: 0...40, using: &random)))
                let taken = vf.port.transmit(queue: 0, from: &sending, count: sending.count)
                held.removeFirst(taken)
                sent += taken
            case 6:
                let n = Int.random(in: 0...held.count, using: &random)
                held.prefix(n).forEach { $0.free() }
                held.removeFirst(n)
            case 7, 8:
                for i in 0..<Int.random(in: 1...80, using: &random) {
                    nic.injectFromUplink(frame(to: [0, 1, 0xff].randomElement(using: &random)!, seed: i))
                }
            case 9:
                for _ in 0..<Int.random(in: 1...200, using: &random) {
                    guard let buffer = nic.pool.allocate() else { break }
                    held.append(buffer)
                }
            case 10:
                nic.setLink(up: Bool.random(using: &random))
                vf.txStalled = Bool.random(using: &random)
            default:
                nic.resetPF()
                for vf in nic.vfs {
                    try vf.reset()
                    configure(vf, &random)
                }
            }
            let onDescriptors = nic.vfs.reduce(0) { $0 + $1.buffersOnReceiveDescriptors + $1.buffersOnTransmitDescriptors }
            XCTAssertEqual(nic.pool.inUseCount, onDescriptors + held.count, "seed \(seed), step \(step)")
            for vf in nic.vfs where vf.state == .started {
                XCTAssertEqual(vf.buffersOnReceiveDescriptors + vf.rxRearmPending[0], vf.configuration.rxDescriptors, "seed \(seed), step \(step)")
            }
        }
        XCTAssertGreaterThan(received, 0, "seed \(seed): frames were received")
        XCTAssertGreaterThan(sent, 0, "seed \(seed): frames were sent")
        held.forEach { $0.free() }
        XCTAssertEqual(buffersOutAfterStopping(nic), 0, "seed \(seed)")
    }
}
