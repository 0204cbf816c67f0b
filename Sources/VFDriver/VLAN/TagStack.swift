/// IEEE 802.1Q tag layout (spec section 4): TPID at byte 12, then a 16-bit TCI of
/// PCP (3 bits), DEI (1 bit) and VID (12 bits). At most two tags are read.
public enum TagStack {
    public static let customerTPID: UInt16 = 0x8100
    public static let serviceTPID: UInt16 = 0x88a8
    public static let legacyQinQTPID: UInt16 = 0x9100
    /// Ethernet header up to the first TPID/ethertype: destination and source MAC.
    public static let macBytes = 12
    public static let tagBytes = 4
    public static let reservedVID: UInt16 = 4095

    /// MACs, `tags` in-frame tags and the ethertype: what precedes the L3 bytes the MTU limits
    /// (spec section 5).
    @inlinable @inline(__always)
    static func headerBytes(tags: Int) -> Int { macBytes + tags * tagBytes + 2 }

    @inlinable @inline(__always)
    static func isTPID(_ value: UInt16) -> Bool {
        value == customerTPID || value == serviceTPID || value == legacyQinQTPID
    }

    @inlinable @inline(__always)
    static func loadBigEndian16(_ p: UnsafePointer<UInt8>) -> UInt16 {
        UInt16(p[0]) << 8 | UInt16(p[1])
    }
}

/// The tag stack of one received frame: what classification and rewrite need, no more.
@frozen
public struct ParsedTags: Equatable {
    /// Tags read, the NIC-stripped one included: 0, 1, 2, or 3 for "more than two".
    public var count: Int
    /// Of those, how many are still in the frame's bytes (a stripped tag is not).
    public var inFrame: Int
    public var outerTCI: UInt16
    public var innerTCI: UInt16

    /// A malformed frame: shorter than 14 bytes, a tag cut short, or VID 4095.
    public static let malformed = ParsedTags(count: -1, inFrame: 0, outerTCI: 0, innerTCI: 0)

    @inlinable
    public init(count: Int, inFrame: Int, outerTCI: UInt16, innerTCI: UInt16) {
        self.count = count
        self.inFrame = inFrame
        self.outerTCI = outerTCI
        self.innerTCI = innerTCI
    }

    @inlinable public var isMalformed: Bool { count < 0 }

    /// Reads the stack of a `length`-byte frame; `strippedTCI` is a tag the NIC already removed,
    /// which was the outermost one.
    @inlinable @inline(__always)
    public init(frame: UnsafePointer<UInt8>, length: Int, strippedTCI: UInt16?) {
        guard length >= TagStack.macBytes + 2 else { self = .malformed; return }
        var count = 0
        var tcis: (UInt16, UInt16) = (0, 0)
        if let tci = strippedTCI {
            guard tci & 0x0fff != TagStack.reservedVID else { self = .malformed; return }
            tcis.0 = tci
            count = 1
        }
        var offset = TagStack.macBytes
        var inFrame = 0
        while count < 2, TagStack.isTPID(TagStack.loadBigEndian16(frame + offset)) {
            // A tag needs its 4 bytes and the 2-byte type that follows it.
            guard length >= offset + TagStack.tagBytes + 2 else { self = .malformed; return }
            let tci = TagStack.loadBigEndian16(frame + offset + 2)
            guard tci & 0x0fff != TagStack.reservedVID else { self = .malformed; return }
            if count == 0 { tcis.0 = tci } else { tcis.1 = tci }
            count += 1
            inFrame += 1
            offset += TagStack.tagBytes
        }
        if count == 2 && TagStack.isTPID(TagStack.loadBigEndian16(frame + offset)) { count = 3 }
        self.init(count: count, inFrame: inFrame, outerTCI: tcis.0, innerTCI: tcis.1)
    }

    /// A single tag with VID 0 only carries a priority: the frame counts as untagged.
    @inlinable public var isUntagged: Bool { count == 0 || (count == 1 && outerTCI & 0x0fff == 0) }
}
