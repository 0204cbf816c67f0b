import VFDriver
import XCTest

/// Helpers of the mock VF tests: frames between VFs of one PF, started VFs, receiving and
/// sending everything, and what the pool has not got back.
class MockVFTestCase: XCTestCase {
    func frame(to vf: Int, from sender: Int = 99, tags: [Frame.Tag] = [], payload: Int = 46, seed: Int = 0) -> [UInt8] {
        var bytes = Frame(tags: tags, payloadBytes: payload, seed: seed).bytes
        bytes.replaceSubrange(0..<6, with: [0x02, 0x09, 0, 0, 0, UInt8(vf)])
        bytes.replaceSubrange(6..<12, with: [0x02, 0x09, 0, 0, 0, UInt8(sender)])
        return bytes
    }

    func started(_ nic: MockNIC, _ index: Int, _ change: (inout PortConfiguration) -> Void = { _ in }) throws -> MockVF {
        var c = PortConfiguration()
        c.rxDescriptors = 64
        c.txDescriptors = 64
        change(&c)
        let vf = nic.vfs[index]
        try vf.configure(c)
        try vf.start()
        return vf
    }

    /// Receives everything waiting on queue 0.
    func receiveAll(_ vf: MockVF) -> [MockBuffer] {
        var out: [MockBuffer] = []
        let buffers = UnsafeMutablePointer<MockBuffer>.allocate(capacity: 32)
        defer { buffers.deallocate() }
        while true {
            let n = vf.port.receive(queue: 0, into: buffers, capacity: 32)
            if n == 0 { return out }
            out += UnsafeBufferPointer(start: buffers, count: n)
        }
    }

    /// Buffers out of the NIC's pool besides those its VFs' RX descriptors hold.
    func buffersOut(_ nic: MockNIC) -> Int {
        nic.pool.inUseCount - nic.vfs.reduce(0) { $0 + $1.buffersOnReceiveDescriptors }
    }

    /// Stops every VF of `nic`, which gives back its descriptors' buffers; returns those still out.
    func buffersOutAfterStopping(_ nic: MockNIC) -> Int {
        nic.vfs.forEach { $0.stop() }
        return nic.pool.inUseCount
    }

    func send(_ vf: MockVF, _ frames: [[UInt8]]) -> Int {
        var buffers = frames.map { bytes in
            let b = vf.pool.allocate()!
            XCTAssertTrue(bytes.withUnsafeBytes { b.setFrame($0) })
            return b
        }
        let n = vf.port.transmit(queue: 0, from: &buffers, count: buffers.count)
        buffers[n...].forEach { $0.free() }
        return n
    }
}
