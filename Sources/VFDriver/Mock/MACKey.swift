/// A MAC address as one integer (its 6 bytes, little-endian), so the emulated PF's filters and
/// switch compare the addresses of every frame without building arrays.
enum MACKey {
    static let broadcast: UInt64 = 0xffff_ffff_ffff

    /// The address at byte `offset` of `bytes`; the caller has checked that its 6 bytes are there.
    @inline(__always)
    static func at(_ offset: Int, in bytes: UnsafeRawBufferPointer) -> UInt64 {
        UInt64(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            | UInt64(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self))) << 32
    }

    /// `address`, 6 bytes.
    static func of(_ address: [UInt8]) -> UInt64 {
        precondition(address.count == 6, "a MAC address has 6 bytes")
        return address.withUnsafeBytes { at(0, in: $0) }
    }

    /// The group bit: the lowest bit of the first byte (IEEE 802.3 clause 3.2.3).
    @inline(__always)
    static func isMulticast(_ key: UInt64) -> Bool { key & 1 == 1 }
}
