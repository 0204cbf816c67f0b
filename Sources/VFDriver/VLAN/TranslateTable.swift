/// The Neutron hot case precomputed for one input port: a frame with one 0x8100 tag whose rule
/// writes one tag (VID translate, priority kept). Indexed by the received VID, one 64-bit entry
/// holds everything the decision needs, so a frame costs one table load instead of a walk through
/// classifier, action, out port's offloads and MTU. Two halves: frames whose tag is in their
/// bytes, to ports that write tags in software; and frames whose tag the NIC stripped (RX VLAN
/// strip), to ports that insert it (TX VLAN insert), which change only in their mbuf's metadata.
///
/// Entry layout: bits 0-15 the output VID (in the first half as its two TCI bytes will lie in
/// memory, read as a little-endian integer, so no byte swap per frame), 16-31 the out port, 32-47
/// the longest frame the out port's MTU allows. Zero means "not this case" (no rule, VID 0 or
/// 4095, another operation, a tag the out port writes otherwise): the general path decides.
@frozen
public struct TranslateTable {
    @usableFromInline let entries: UnsafeMutablePointer<UInt64>
    /// Where the entries of stripped tags begin, after those of in-frame tags.
    @usableFromInline static var strippedEntries: Int { 4096 }

    /// Entries for every single-tag rule of `classifier` that the fast path can do exactly.
    init?(classifier: PortClassifier, actions: UnsafePointer<VLANAction>, mtus: UnsafePointer<Int>,
          insertsTags: UnsafePointer<Bool>) {
        guard let single = classifier.single else { return nil }
        entries = .allocate(capacity: 2 * Self.strippedEntries)
        entries.initialize(repeating: 0, count: 2 * Self.strippedEntries)
        for vid in 1..<Int(TagStack.reservedVID) where single[vid] >= 0 {
            let action = actions[Int(single[vid])]
            let out = Int(action.outPort)
            guard action.rewrites, action.outCount == 1 else { continue }
            // A port that inserts the tag gets it from the mbuf, host order; the frame then holds
            // no tag before the L3 bytes the MTU limits.
            let (slot, outVID, inFrameTags) = insertsTags[out] ? (Self.strippedEntries + vid, action.outerVID, 0)
                                                               : (vid, Self.wireOrder(action.outerVID), 1)
            let longest = UInt64(mtus[out] + TagStack.headerBytes(tags: inFrameTags))
            entries[slot] = UInt64(outVID) | UInt64(action.outPort) << 16 | longest << 32
        }
    }

    func deallocate() { entries.deallocate() }

    /// The 16-bit value whose little-endian bytes are `value` in network order.
    @usableFromInline static func wireOrder(_ value: UInt16) -> UInt16 { UInt16(littleEndian: value.bigEndian) }

    /// Rewrites the frame's VID (a stripped one in the mbuf) and returns its out port, or -1 when
    /// the frame is not the hot case (the general path then decides it from scratch: nothing has
    /// been changed). `length` is the buffer's, which the caller has read already; `mayBeStripped`
    /// is false when the port's RX VLAN strip is off, so no PMD sets RTE_MBUF_F_RX_VLAN_STRIPPED
    /// and the flag is not read.
    ///
    /// Every multi-byte value is compared in the byte order it has in the frame: a hot path of
    /// loads, masks and compares, no byte swap but the one that makes the VID an index.
    @inlinable @inline(__always)
    func translate<B: PacketBuffer>(_ buffer: B, length: Int, mayBeStripped: Bool) -> Int {
        if mayBeStripped, let tci = buffer.strippedTCI { return translateStripped(buffer, tci: tci, length: length) }
        guard length >= TagStack.headerBytes(tags: 1) else { return -1 }
        let tag = buffer.data + TagStack.macBytes
        // TPID bytes, then TCI bytes (PCP, DEI and the VID's high nibble; the VID's low byte).
        let wire = UInt32(littleEndian: UnsafeRawPointer(tag).loadUnaligned(as: UInt32.self))
        guard UInt16(truncatingIfNeeded: wire) == Self.wireOrder(TagStack.customerTPID) else { return -1 }
        let entry = entries[Int(wire.byteSwapped & 0x0fff)]
        // Covers entry 0 too. A second tag (QinQ) takes the general path, as does an MTU drop.
        guard length <= Int(entry >> 32) else { return -1 }
        let next = UInt16(littleEndian: UnsafeRawPointer(tag + TagStack.tagBytes).loadUnaligned(as: UInt16.self))
        guard next != Self.wireOrder(TagStack.customerTPID), next != Self.wireOrder(TagStack.serviceTPID),
              next != Self.wireOrder(TagStack.legacyQinQTPID) else { return -1 }
        // PCP and DEI stay (spec section 4, rule 4); only the VID changes.
        let tci = UInt16(truncatingIfNeeded: wire >> 16) & Self.wireOrder(0xf000) | UInt16(truncatingIfNeeded: entry)
        UnsafeMutableRawPointer(tag + 2).storeBytes(of: tci.littleEndian, as: UInt16.self)
        return Int(truncatingIfNeeded: entry >> 16 & 0xffff)
    }

    /// A tag the NIC stripped, for a port that inserts one: the frame's bytes stay as they are,
    /// the new TCI goes to the mbuf for TX insert (priority kept). A frame whose bytes start with
    /// another tag had two (QinQ): the general path's. Out of line: inlined, it made the receive
    /// loop call the in-frame case instead of inlining it.
    @inlinable @inline(never)
    func translateStripped<B: PacketBuffer>(_ buffer: B, tci: UInt16, length: Int) -> Int {
        let entry = entries[Self.strippedEntries + Int(tci & 0x0fff)]
        guard length >= TagStack.headerBytes(tags: 0), length <= Int(entry >> 32),
              !TagStack.isTPID(TagStack.loadBigEndian16(buffer.data + TagStack.macBytes)) else { return -1 }
        buffer.clearStrippedTag()
        buffer.requestTagInsert(tci: TagRewrite.priority(tci) | UInt16(truncatingIfNeeded: entry))
        return Int(truncatingIfNeeded: entry >> 16 & 0xffff)
    }
}
