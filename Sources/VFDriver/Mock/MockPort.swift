/// A mock VF as the forwarding engine drives it: a trivial handle (no reference counting per
/// call), valid while its `MockVF` lives.
@frozen
public struct MockPort: PacketPort {
    public typealias Buffer = MockBuffer
    @usableFromInline let vf: Unmanaged<MockVF>

    init(vf: MockVF) { self.vf = Unmanaged.passUnretained(vf) }

    @inlinable
    public func receive(queue: UInt16, into buffers: UnsafeMutablePointer<MockBuffer>, capacity: Int) -> Int {
        vf._withUnsafeGuaranteedRef { $0.receive(queue: Int(queue), into: buffers, capacity: capacity) }
    }

    @inlinable
    public func transmit(queue: UInt16, from buffers: UnsafeMutablePointer<MockBuffer>, count: Int) -> Int {
        vf._withUnsafeGuaranteedRef { $0.transmit(queue: Int(queue), from: buffers, count: count) }
    }

    public var insertsTags: Bool { vf._withUnsafeGuaranteedRef { $0.configuration.vlanInsert } }
    public var minimumReceiveBurst: Int { vf._withUnsafeGuaranteedRef { $0.vectorReceive ? 32 : 1 } }
}
