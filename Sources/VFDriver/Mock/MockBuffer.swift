import CDPDK

/// A packet buffer of the mock VF, laid out like an mbuf: a small header, then
/// `MockPool.headroom` bytes for pushed tags, then the frame. A frame longer than one buffer
/// continues in further buffers chained from the first, as mbuf segments (`next`, `data_len`):
/// what DPDK's pcap PMD delivers for such a frame. A trivial handle over raw memory.
@frozen
public struct MockBuffer: PacketBuffer, Equatable {
    /// The header at the start of every buffer (the fields of `rte_mbuf` the engine uses).
    @usableFromInline
    struct Header {
        @usableFromInline var dataOffset: UInt32
        /// The whole frame, every segment (`pkt_len`); meaningful in the first segment.
        @usableFromInline var length: UInt32
        @usableFromInline var flags: UInt32
        @usableFromInline var vlanTCI: UInt16
        @usableFromInline var capacity: UInt16
        @usableFromInline var pool: UnsafeMutableRawPointer?
        /// Bytes in this segment (`data_len`).
        @usableFromInline var segmentLength: UInt32
        /// The next segment (`next`); nil in the last one, and in every buffer in the pool.
        @usableFromInline var next: UnsafeMutableRawPointer?
    }

    /// As `RTE_MBUF_F_RX_VLAN_STRIPPED` and `RTE_MBUF_F_TX_VLAN`.
    @usableFromInline static var rxStripped: UInt32 { 1 }
    @usableFromInline static var txInsert: UInt32 { 2 }
    /// The header rounded up to a cache line, so frames start 64-byte aligned plus headroom.
    @usableFromInline static var headerBytes: Int { 64 }

    public let raw: UnsafeMutableRawPointer

    @inlinable public init(raw: UnsafeMutableRawPointer) { self.raw = raw }

    @inlinable var header: UnsafeMutablePointer<Header> { raw.assumingMemoryBound(to: Header.self) }
    @inlinable var pool: MockPool { Unmanaged<MockPool>.fromOpaque(header.pointee.pool!).takeUnretainedValue() }

    @inlinable public var data: UnsafeMutablePointer<UInt8> {
        (raw + Self.headerBytes + Int(header.pointee.dataOffset)).assumingMemoryBound(to: UInt8.self)
    }
    @inlinable public var length: Int { Int(header.pointee.length) }
    @inlinable public var wireLength: Int { length + (header.pointee.flags & Self.txInsert != 0 ? TagStack.tagBytes : 0) }
    @inlinable public var headroom: Int { Int(header.pointee.dataOffset) }
    /// Bytes the buffer can hold from its start: headroom plus frame plus tailroom.
    @inlinable public var capacity: Int { Int(header.pointee.capacity) }

    @inlinable public var strippedTCI: UInt16? {
        header.pointee.flags & Self.rxStripped != 0 ? header.pointee.vlanTCI : nil
    }
    @inlinable public func clearStrippedTag() { header.pointee.flags &= ~Self.rxStripped }
    @inlinable public func markStripped(tci: UInt16) {
        header.pointee.vlanTCI = tci
        header.pointee.flags |= Self.rxStripped
    }
    /// The TCI the "NIC" will insert on transmit, if asked.
    @inlinable public var insertTCI: UInt16? {
        header.pointee.flags & Self.txInsert != 0 ? header.pointee.vlanTCI : nil
    }
    @inlinable public func requestTagInsert(tci: UInt16) {
        header.pointee.vlanTCI = tci
        header.pointee.flags |= Self.txInsert
    }
    @inlinable public func prepend(_ count: Int) -> UnsafeMutablePointer<UInt8>? {
        guard count <= headroom else { return nil }
        header.pointee.dataOffset -= UInt32(count)
        header.pointee.length += UInt32(count)
        header.pointee.segmentLength += UInt32(count)
        return data
    }
    @inlinable public func trimFront(_ count: Int) {
        header.pointee.dataOffset += UInt32(count)
        header.pointee.length -= UInt32(count)
        header.pointee.segmentLength -= UInt32(count)
    }
    @inlinable public func prefetch() { vf_prefetch(data) }
    /// Before `setFrame`: the header, and the line where a received frame starts (computed, as
    /// `data` would wait for the header to load).
    @inlinable func prefetchForReceive() {
        vf_prefetch(raw)
        vf_prefetch(raw + Self.headerBytes + MockPool.headroom)
    }
    /// Returns every segment to the pool.
    @inlinable public func free() {
        let pool = self.pool
        var segment: UnsafeMutableRawPointer? = raw
        while let raw = segment {
            let buffer = MockBuffer(raw: raw)
            segment = buffer.header.pointee.next
            buffer.header.pointee.next = nil
            pool.release(buffer)
        }
    }

    /// Whether the frame lies in this one buffer (`rte_pktmbuf_is_contiguous`).
    @inlinable public var isContiguous: Bool { header.pointee.next == nil }

    /// Returns the segments after the first to the pool (the first is the caller's to free).
    func freeTrailingSegments() {
        guard let next = header.pointee.next else { return }
        header.pointee.next = nil
        MockBuffer(raw: next).free()
    }

    /// What ixgbe's simple and vector TX paths make of a chain: they send the first buffer's
    /// bytes (`data_len`) and, reclaiming, free that buffer alone (`rte_pktmbuf_prefree_seg`
    /// unlinks the rest, which nothing frees). Returns whether there was a rest to lose.
    func cutToFirstSegment() -> Bool {
        guard header.pointee.next != nil else { return false }
        header.pointee.next = nil
        header.pointee.length = header.pointee.segmentLength
        return true
    }

    /// Replaces the frame with `bytes`, at the standard headroom, clearing all metadata. What
    /// does not fit continues in buffers from the pool, chained without headroom, as DPDK's pcap
    /// PMD reads a jumbo frame (`eth_pcap_rx_jumbo`). False, the buffer left empty, when the pool
    /// runs out first.
    @inlinable
    public func setFrame(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard isContiguous, MockPool.headroom + bytes.count <= capacity else { return setFrameInSegments(bytes) }
        header.pointee.dataOffset = UInt32(MockPool.headroom)
        header.pointee.length = UInt32(bytes.count)
        header.pointee.segmentLength = UInt32(bytes.count)
        header.pointee.flags = 0
        header.pointee.vlanTCI = 0
        if let base = bytes.baseAddress { UnsafeMutableRawPointer(data).copyMemory(from: base, byteCount: bytes.count) }
        return true
    }

    @usableFromInline
    func setFrameInSegments(_ bytes: UnsafeRawBufferPointer) -> Bool {
        freeTrailingSegments()
        header.pointee.dataOffset = UInt32(MockPool.headroom)
        header.pointee.length = UInt32(bytes.count)
        header.pointee.flags = 0
        header.pointee.vlanTCI = 0
        var last = self
        var remaining = bytes
        while true {
            let count = min(last.capacity - last.headroom, remaining.count)
            if let base = remaining.baseAddress {
                UnsafeMutableRawPointer(last.data).copyMemory(from: base, byteCount: count)
            }
            last.header.pointee.segmentLength = UInt32(count)
            remaining = UnsafeRawBufferPointer(rebasing: remaining[count...])
            if remaining.isEmpty { return true }
            guard let next = pool.allocate() else {
                freeTrailingSegments()
                header.pointee.length = 0
                header.pointee.segmentLength = 0
                return false
            }
            next.header.pointee.dataOffset = 0
            last.header.pointee.next = next.raw
            last = next
        }
    }

    /// Adds `bytes` at the end of the frame, in its last segment; false when they do not fit.
    public func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var last = self
        while let next = last.header.pointee.next { last = MockBuffer(raw: next) }
        guard last.headroom + Int(last.header.pointee.segmentLength) + bytes.count <= last.capacity else { return false }
        if let base = bytes.baseAddress {
            (UnsafeMutableRawPointer(last.data) + Int(last.header.pointee.segmentLength)).copyMemory(from: base, byteCount: bytes.count)
        }
        last.header.pointee.segmentLength += UInt32(bytes.count)
        header.pointee.length += UInt32(bytes.count)
        return true
    }

    /// Calls `body` with the whole frame: in place when it lies in one buffer, else gathered
    /// from its segments into a temporary copy (`rte_pktmbuf_read`).
    public func withFrame<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if isContiguous { return try body(UnsafeRawBufferPointer(start: data, count: length)) }
        return try frame.withUnsafeBytes(body)
    }

    /// The frame's bytes, as a copy.
    public var frame: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        var segment: MockBuffer? = self
        while let s = segment {
            bytes += UnsafeBufferPointer(start: s.data, count: Int(s.header.pointee.segmentLength))
            segment = s.header.pointee.next.map(MockBuffer.init(raw:))
        }
        return bytes
    }
}
