import CDPDK

/// A packet buffer of the mock VF, laid out like a one-segment mbuf: a small header, then
/// `MockPool.headroom` bytes for pushed tags, then the frame. A trivial handle over raw memory.
@frozen
public struct MockBuffer: PacketBuffer, Equatable {
    /// The header at the start of every buffer (the fields of `rte_mbuf` the engine uses).
    @usableFromInline
    struct Header {
        @usableFromInline var dataOffset: UInt32
        @usableFromInline var length: UInt32
        @usableFromInline var flags: UInt32
        @usableFromInline var vlanTCI: UInt16
        @usableFromInline var capacity: UInt16
        @usableFromInline var pool: UnsafeMutableRawPointer?
    }

    /// As `RTE_MBUF_F_RX_VLAN_STRIPPED` and `RTE_MBUF_F_TX_VLAN`.
    @usableFromInline static var rxStripped: UInt32 { 1 }
    @usableFromInline static var txInsert: UInt32 { 2 }
    /// The header rounded up to a cache line, so frames start 64-byte aligned plus headroom.
    @usableFromInline static var headerBytes: Int { 64 }

    public let raw: UnsafeMutableRawPointer

    @inlinable public init(raw: UnsafeMutableRawPointer) { self.raw = raw }

    @inlinable var header: UnsafeMutablePointer<Header> { raw.assumingMemoryBound(to: Header.self) }

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
        return data
    }
    @inlinable public func trimFront(_ count: Int) {
        header.pointee.dataOffset += UInt32(count)
        header.pointee.length -= UInt32(count)
    }
    @inlinable public func prefetch() { vf_prefetch(data) }
    @inlinable public func free() {
        Unmanaged<MockPool>.fromOpaque(header.pointee.pool!).takeUnretainedValue().release(self)
    }

    /// Replaces the frame with `bytes`, at the standard headroom, clearing all metadata.
    public func setFrame(_ bytes: UnsafeRawBufferPointer) {
        precondition(MockPool.headroom + bytes.count <= capacity, "frame of \(bytes.count) bytes does not fit the buffer")
        header.pointee.dataOffset = UInt32(MockPool.headroom)
        header.pointee.length = UInt32(bytes.count)
        header.pointee.flags = 0
        header.pointee.vlanTCI = 0
        if let base = bytes.baseAddress { UnsafeMutableRawPointer(data).copyMemory(from: base, byteCount: bytes.count) }
    }

    /// Adds `bytes` at the end of the frame; false when the buffer is too small.
    public func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let end = MockBuffer.headerBytes + headroom + length
        guard headroom + length + bytes.count <= capacity else { return false }
        if let base = bytes.baseAddress { (raw + end).copyMemory(from: base, byteCount: bytes.count) }
        header.pointee.length += UInt32(bytes.count)
        return true
    }

    /// The frame's bytes, as a copy.
    public var frame: [UInt8] { Array(UnsafeBufferPointer(start: data, count: length)) }
}
