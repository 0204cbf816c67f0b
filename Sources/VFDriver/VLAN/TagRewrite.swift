/// Replaces a frame's tag stack with an action's (spec section 4), in place: tags grow into
/// headroom and shrink by trimming the front; only the 12 MAC bytes move, the payload never.
public enum TagRewrite {
    /// PCP and DEI: the top four bits of a TCI.
    @inlinable @inline(__always)
    static func priority(_ tci: UInt16) -> UInt16 { tci & 0xf000 }

    /// Rewrites `buffer` (whose stack is `tags`) to `outCount` tags with the given VIDs.
    /// With `useInsertOffload`, a single output tag is left to the NIC's TX VLAN insert.
    /// Returns false only if the buffer lacks the headroom for a push.
    @inlinable @inline(__always)
    public static func apply<B: PacketBuffer>(
        _ buffer: B, tags: ParsedTags, outCount: Int, outerVID: UInt16, innerVID: UInt16, useInsertOffload: Bool
    ) -> Bool {
        // Rule 4: output tag i keeps input tag i's PCP/DEI, else the outermost input tag's, else 0.
        let outerPriority = tags.count > 0 ? priority(tags.outerTCI) : 0
        let innerPriority = tags.count > 1 ? priority(tags.innerTCI) : outerPriority
        if useInsertOffload && outCount == 1 {
            buffer.requestTagInsert(tci: outerPriority | outerVID)
            return write(buffer, removing: tags.inFrame, adding: 0, outerTCI: 0, innerTCI: 0)
        }
        return write(buffer, removing: tags.inFrame, adding: outCount,
                     outerTCI: outerPriority | outerVID, innerTCI: innerPriority | innerVID)
    }

    /// Puts back a tag the NIC stripped, for a frame that must leave unchanged. False when it
    /// cannot: no headroom, or a frame shorter than the MACs the tag goes after (no NIC strips
    /// one; a corrupt delivery).
    @inlinable
    public static func restoreStripped<B: PacketBuffer>(_ buffer: B, tci: UInt16, useInsertOffload: Bool) -> Bool {
        guard buffer.length >= TagStack.macBytes else { return false }
        if useInsertOffload {
            buffer.requestTagInsert(tci: tci)
            return true
        }
        return write(buffer, removing: 0, adding: 1, outerTCI: tci, innerTCI: 0)
    }

    /// Swaps `removing` in-frame tags after the MACs for `adding` new ones.
    @inlinable @inline(__always)
    static func write<B: PacketBuffer>(_ buffer: B, removing: Int, adding: Int, outerTCI: UInt16, innerTCI: UInt16) -> Bool {
        let old = UnsafeMutableRawPointer(buffer.data)
        let raw: UnsafeMutableRawPointer
        let delta = (adding - removing) * TagStack.tagBytes
        if delta == 0 {
            raw = old
        } else {
            // The MACs move by the stack's change in size; the bytes after the stack stay.
            let destination = old.loadUnaligned(as: UInt64.self)
            let sourceTail = old.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
            if delta > 0 {
                guard let grown = buffer.prepend(delta) else { return false }
                raw = UnsafeMutableRawPointer(grown)
            } else {
                raw = old - delta
            }
            raw.storeBytes(of: destination, as: UInt64.self)
            raw.storeBytes(of: sourceTail, toByteOffset: 8, as: UInt32.self)
            if delta < 0 { buffer.trimFront(-delta) }
        }
        // Each stack in one store, its fields composed in wire order.
        if adding == 1 {
            let tag = UInt32(TagStack.customerTPID) << 16 | UInt32(outerTCI)
            raw.storeBytes(of: tag.bigEndian, toByteOffset: TagStack.macBytes, as: UInt32.self)
        } else if adding == 2 {
            let tags = UInt64(TagStack.serviceTPID) << 48 | UInt64(outerTCI) << 32
                | UInt64(TagStack.customerTPID) << 16 | UInt64(innerTCI)
            raw.storeBytes(of: tags.bigEndian, toByteOffset: TagStack.macBytes, as: UInt64.self)
        }
        return true
    }
}
