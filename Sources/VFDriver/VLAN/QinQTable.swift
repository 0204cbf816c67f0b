/// Open-addressing hash from an (outer, inner) VID pair to an action index: O(1) lookup for
/// double-tagged frames, built once, never resized while forwarding.
@frozen
public struct QinQTable {
    @usableFromInline let keys: UnsafeMutablePointer<UInt32>
    @usableFromInline let values: UnsafeMutablePointer<Int32>
    @usableFromInline let mask: UInt32
    @usableFromInline static var empty: UInt32 { .max }

    /// Holds `entries` at most half full, so a probe ends within a few slots.
    init(entries: [(outer: UInt16, inner: UInt16, action: Int32)]) {
        var size = 4
        while size < entries.count * 2 { size <<= 1 }
        keys = .allocate(capacity: size)
        keys.initialize(repeating: Self.empty, count: size)
        values = .allocate(capacity: size)
        values.initialize(repeating: -1, count: size)
        mask = UInt32(size - 1)
        for entry in entries {
            let key = Self.key(entry.outer, entry.inner)
            var slot = Self.hash(key) & mask
            while keys[Int(slot)] != Self.empty { slot = (slot + 1) & mask }
            keys[Int(slot)] = key
            values[Int(slot)] = entry.action
        }
    }

    func deallocate() {
        keys.deallocate()
        values.deallocate()
    }

    @inlinable @inline(__always)
    static func key(_ outer: UInt16, _ inner: UInt16) -> UInt32 { UInt32(outer & 0xfff) << 12 | UInt32(inner & 0xfff) }

    @inlinable @inline(__always)
    static func hash(_ key: UInt32) -> UInt32 { (key &* 0x9E37_79B1) >> 8 }

    /// The action index for the pair, or -1.
    @inlinable
    public func lookup(outer: UInt16, inner: UInt16) -> Int32 {
        let key = Self.key(outer, inner)
        var slot = Self.hash(key) & mask
        while true {
            let found = keys[Int(slot)]
            if found == key { return values[Int(slot)] }
            if found == Self.empty { return -1 }
            slot = (slot + 1) & mask
        }
    }
}
