import PacketRing

/// The mock's buffer pool (its `rte_mempool`): buffers carved from one allocation, a lock-free
/// free-list, and a count of buffers out, so tests can check that every one came back.
public final class MockPool {
    /// As RTE_PKTMBUF_HEADROOM.
    public static let headroom = 128
    public let size: Int
    public let bufferBytes: Int
    private let block: UnsafeMutableRawPointer
    @usableFromInline let free: Ring<UnsafeMutableRawPointer>

    /// `size` buffers of `dataRoom` bytes each (headroom included), like `rte_pktmbuf_pool_create`.
    /// Any thread may allocate and free.
    public init(size: Int, dataRoom: Int = 2048 + MockPool.headroom) {
        precondition(size > 0 && dataRoom <= Int(UInt16.max))
        precondition(MemoryLayout<MockBuffer.Header>.size <= MockBuffer.headerBytes, "buffer header outgrew its cache line")
        self.size = size
        bufferBytes = MockBuffer.headerBytes + dataRoom
        block = .allocate(byteCount: size * bufferBytes, alignment: 64)
        free = Ring(capacity: size, producers: .multi, consumers: .multi)
        let me = Unmanaged.passUnretained(self).toOpaque()
        for i in 0..<size {
            let raw = block + i * bufferBytes
            raw.bindMemory(to: MockBuffer.Header.self, capacity: 1).initialize(
                to: .init(dataOffset: UInt32(Self.headroom), length: 0, flags: 0, vlanTCI: 0, capacity: UInt16(dataRoom), pool: me,
                          segmentLength: 0, next: nil))
            _ = free.enqueue(raw)
        }
    }

    deinit { block.deallocate() }

    /// A buffer with an empty frame at the standard headroom, or nil when the pool is empty.
    @inlinable
    public func allocate() -> MockBuffer? {
        guard let raw = free.dequeue() else { return nil }
        let buffer = MockBuffer(raw: raw)
        buffer.header.pointee.dataOffset = UInt32(Self.headroom)
        buffer.header.pointee.length = 0
        buffer.header.pointee.segmentLength = 0
        buffer.header.pointee.flags = 0
        return buffer
    }

    /// Takes exactly `count` buffers at once (one ring operation), each with an empty frame, or
    /// none when the pool has fewer (as `rte_mempool_get_bulk`).
    func allocateBulk(into buffers: UnsafeMutablePointer<UnsafeMutableRawPointer>, count: Int) -> Bool {
        guard free.dequeueBulk(into: buffers, count: count) == count else { return false }
        for i in 0..<count {
            let header = MockBuffer(raw: buffers[i]).header
            header.pointee.dataOffset = UInt32(Self.headroom)
            header.pointee.length = 0
            header.pointee.segmentLength = 0
            header.pointee.flags = 0
        }
        return true
    }

    /// Returns `count` one-segment buffers at once (one ring operation).
    func releaseBulk(_ buffers: UnsafeMutablePointer<UnsafeMutableRawPointer>, count: Int) {
        let returned = free.enqueueBulk(buffers, count: count)
        precondition(returned == count, "buffers were freed twice")
    }

    /// Returns `count` one-segment buffers, each to the pool it came from, a run of one pool's
    /// at once: a port sends buffers of other ports' pools, and ixgbe's TX reclaim returns them
    /// to theirs the same way (`ixgbe_tx_free_bufs` puts runs of one mempool in bulk).
    static func releaseToOwners(_ buffers: UnsafeMutablePointer<UnsafeMutableRawPointer>, count: Int) {
        var start = 0
        while start < count {
            let owner = MockBuffer(raw: buffers[start]).header.pointee.pool
            var end = start + 1
            while end < count, MockBuffer(raw: buffers[end]).header.pointee.pool == owner { end += 1 }
            Unmanaged<MockPool>.fromOpaque(owner!)._withUnsafeGuaranteedRef { $0.releaseBulk(buffers + start, count: end - start) }
            start = end
        }
    }

    @inlinable
    func release(_ buffer: MockBuffer) {
        let returned = free.enqueue(buffer.raw)
        precondition(returned, "a buffer was freed twice")
    }

    /// Buffers in the pool now.
    public var availableCount: Int { free.count }
    /// Buffers held by rings, ports or the application.
    public var inUseCount: Int { size - free.count }
}
