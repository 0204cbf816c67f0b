import VFDriver

/// An in-memory port over mock buffers for driving a `ForwardingLane` without any device:
/// frames waiting to be received, and everything transmitted, per port.
final class TestWire {
    let pool: MockPool
    var inbound: [[MockBuffer]]
    var transmitted: [[MockBuffer]]
    /// Frames a port's TX queue accepts before it reports full (nil: unlimited).
    var txSpace: [Int?]

    init(ports: Int, poolSize: Int = 4096) {
        pool = MockPool(size: poolSize)
        inbound = Array(repeating: [], count: ports)
        transmitted = Array(repeating: [], count: ports)
        txSpace = Array(repeating: nil, count: ports)
    }

    func inject(_ bytes: [UInt8], port: Int, stripOuterTag: Bool = false) {
        let buffer = pool.allocate()!
        let stored = bytes.withUnsafeBytes { buffer.setFrame($0) }
        precondition(stored, "the test pool ran out of buffers")
        if stripOuterTag { Offload.strip(buffer) }
        inbound[port].append(buffer)
    }

    /// Frames sent on `port` as they would be on the wire, and their buffers freed.
    func drain(port: Int) -> [[UInt8]] {
        defer {
            transmitted[port].forEach { $0.free() }
            transmitted[port] = []
        }
        return transmitted[port].map(Offload.wireBytes)
    }
}

/// Port `index` of `wire`, unretained as ports are (`PacketPort`): valid while the wire lives.
struct TestPort: PacketPort {
    let wireReference: Unmanaged<TestWire>
    let index: Int
    let insertsTags: Bool
    var wire: TestWire { wireReference.takeUnretainedValue() }

    init(wire: TestWire, index: Int, insertsTags: Bool) {
        wireReference = .passUnretained(wire)
        self.index = index
        self.insertsTags = insertsTags
    }

    func receive(queue: UInt16, into buffers: UnsafeMutablePointer<MockBuffer>, capacity: Int) -> Int {
        let n = min(capacity, wire.inbound[index].count)
        for i in 0..<n { buffers[i] = wire.inbound[index][i] }
        wire.inbound[index].removeFirst(n)
        return n
    }

    func transmit(queue: UInt16, from buffers: UnsafeMutablePointer<MockBuffer>, count: Int) -> Int {
        let n = min(count, wire.txSpace[index] ?? count)
        for i in 0..<n { wire.transmitted[index].append(buffers[i]) }
        if let space = wire.txSpace[index] { wire.txSpace[index] = space - n }
        return n
    }
}

/// What an 82599 does with VLAN offloads, on mock buffers: strip the outer 0x8100 tag on RX
/// into metadata, insert the requested tag on TX.
enum Offload {
    static func strip(_ buffer: MockBuffer) {
        let bytes = buffer.frame
        guard bytes.count >= 18, bytes[12] == 0x81, bytes[13] == 0x00 else { return }
        let tci = UInt16(bytes[14]) << 8 | UInt16(bytes[15])
        let stored = (Array(bytes[0..<12]) + Array(bytes[16...])).withUnsafeBytes { buffer.setFrame($0) }
        precondition(stored, "the test pool ran out of buffers")
        buffer.markStripped(tci: tci)
    }

    static func wireBytes(_ buffer: MockBuffer) -> [UInt8] {
        let bytes = buffer.frame
        guard let tci = buffer.insertTCI else { return bytes }
        return Array(bytes[0..<12]) + [0x81, 0x00, UInt8(tci >> 8), UInt8(tci & 0xff)] + Array(bytes[12...])
    }
}
