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
}
