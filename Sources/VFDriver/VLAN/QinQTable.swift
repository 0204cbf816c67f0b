/// Open-addressing hash from an (outer, inner) VID pair to a value: O(1) lookup for
/// double-tagged frames, built once, never resized while forwarding. The classifier keeps action
/// indices in one; `RewriteTable` keeps its precomputed rewrites in another.
@frozen
public struct QinQTable<Value: BitwiseCopyable> {
    @usableFromInline let keys: UnsafeMutablePointer<UInt32>
    @usableFromInline let values: UnsafeMutablePointer<Value>
    @usableFromInline let mask: UInt32
    /// What `lookup` returns for a pair without an entry.
    @usableFromInline let absent: Value
    @usableFromInline static var empty: UInt32 { .max }

    /// Holds `entries` at most half full, so a probe ends within a few slots.
    init(entries: [(outer: UInt16, inner: UInt16, value: Value)], absent: Value) {
        var size = 4
        while size < entries.count * 2 { size <<= 1 }
        keys = .allocate(capacity: size)
        keys.initialize(repeating: Self.empty, count: size)
        values = .allocate(capacity: size)
        values.initialize(repeating: absent, count: size)
        mask = UInt32(size - 1)
        self.absent = absent
        for entry in entries {
            let key = Self.key(entry.outer, entry.inner)
            var slot = Self.hash(key) & mask
            while keys[Int(slot)] != Self.empty { slot = (slot + 1) & mask }
            keys[Int(slot)] = key
            values[Int(slot)] = entry.value
        }
    }

    func deallocate() {
        keys.deallocate()
        values.deallocate()
    }

    /// Calls `body` with every pair and its value, in no particular order.
    func forEach(_ body: (_ outer: UInt16, _ inner: UInt16, _ value: Value) -> Void) {
        for slot in 0...Int(mask) where keys[slot] != Self.empty {
            body(UInt16(keys[slot] >> 12), UInt16(keys[slot] & 0xfff), values[slot])
        }
    }

    /// Only the VIDs count: the TCIs' PCP and DEI bits are masked off.
    @inlinable @inline(__always)
    static func key(_ outer: UInt16, _ inner: UInt16) -> UInt32 { UInt32(outer & 0xfff) << 12 | UInt32(inner & 0xfff) }

    @inlinable @inline(__always)
    static func hash(_ key: UInt32) -> UInt32 { (key &* 0x9E37_79B1) >> 8 }

    /// The pair's value, or `absent`.
    @inlinable @inline(__always)
    public func lookup(outer: UInt16, inner: UInt16) -> Value {
        let key = Self.key(outer, inner)
        var slot = Self.hash(key) & mask
        while true {
            let found = keys[Int(slot)]
            if found == key { return values[Int(slot)] }
            if found == Self.empty { return absent }
            slot = (slot + 1) & mask
        }
    }
}
