/// The push and pop cases precomputed for one input port, beside its `TranslateTable`: a frame
/// with no tag, or with one 0x8100 tag, whose rule writes another number of tags in software
/// (VPP's push-1, push-2 and pop-1; a QinQ S-tag push; an untagged frame that stays so).
/// Indexed by the received VID (untagged: `untaggedIndex`), one 64-bit entry holds what the
/// decision needs, so such a frame skips the parser, classifier and action lookup.
///
/// Entry layout: bits 0-11 the outer output VID, 12-23 the inner one, 24-25 how many tags the
/// frame leaves with, 32-47 the out port, 48-63 the longest frame (received tag included) the out
/// port's MTU allows. Zero means "not this case" (no rule, VID 0 or 4095, a translate, TX insert
/// on the out port): the general path decides.
@frozen
public struct PushPopTable {
    @usableFromInline let entries: UnsafeMutablePointer<UInt64>
    /// The entry of frames without a tag, after the 4096 VIDs'.
    @usableFromInline static var untaggedIndex: Int { 4096 }

    /// Entries for the untagged rule and the single-tag push and pop rules of `classifier`; nil
    /// when it has none.
    init?(classifier: PortClassifier, actions: UnsafePointer<VLANAction>, mtus: UnsafePointer<Int>,
          insertsTags: UnsafePointer<Bool>) {
        var found: [(index: Int, entry: UInt64)] = []
        func entry(_ action: VLANAction, receivedTags: Int) -> UInt64 {
            let out = Int(action.outPort)
            let outCount = action.rewrites ? Int(action.outCount) : receivedTags
            // Clamped to the field: a longer frame takes the general path, which checks the MTU itself.
            let longest = min(mtus[out] + TagStack.headerBytes(tags: receivedTags), 0xffff)
            return UInt64(action.outerVID) | UInt64(action.innerVID) << 12 | UInt64(outCount) << 24 | UInt64(out) << 32
                | UInt64(longest) << 48
        }
        if classifier.untagged >= 0, case let action = actions[Int(classifier.untagged)], !insertsTags[Int(action.outPort)] {
            found.append((Self.untaggedIndex, entry(action, receivedTags: 0)))
        }
        if let single = classifier.single {
            for vid in 1..<Int(TagStack.reservedVID) where single[vid] >= 0 {
                let action = actions[Int(single[vid])]
                guard action.rewrites, action.outCount != 1, !insertsTags[Int(action.outPort)] else { continue }
                found.append((vid, entry(action, receivedTags: 1)))
            }
        }
        guard !found.isEmpty else { return nil }
        entries = .allocate(capacity: Self.untaggedIndex + 1)
        entries.initialize(repeating: 0, count: Self.untaggedIndex + 1)
        for (index, entry) in found { entries[index] = entry }
    }

    func deallocate() { entries.deallocate() }

    /// Rewrites the frame's tags and returns its out port, or -1 when the frame is not a case of
    /// the table (the general path then decides it from scratch: nothing has been changed, a
    /// push without headroom included). A tag the NIC stripped is the general path's too.
    @inlinable @inline(__always)
    func decide<B: PacketBuffer>(_ buffer: B) -> Int {
        let length = buffer.length
        guard length >= TagStack.headerBytes(tags: 0), buffer.strippedTCI == nil else { return -1 }
        let frame = buffer.data
        let entry: UInt64, receivedTags: Int, priority: UInt16
        switch TagStack.loadBigEndian16(frame + TagStack.macBytes) {
        case TagStack.customerTPID:
            // A second tag (QinQ) is the general path's.
            guard length >= TagStack.headerBytes(tags: 1),
                  !TagStack.isTPID(TagStack.loadBigEndian16(frame + TagStack.macBytes + TagStack.tagBytes)) else { return -1 }
            let tci = TagStack.loadBigEndian16(frame + TagStack.macBytes + 2)
            (entry, receivedTags, priority) = (entries[Int(tci & 0x0fff)], 1, TagRewrite.priority(tci))
        case TagStack.serviceTPID, TagStack.legacyQinQTPID:
            return -1
        default:
            (entry, receivedTags, priority) = (entries[Self.untaggedIndex], 0, 0)
        }
        // Covers entry 0 too; an MTU drop is the general path's.
        guard length <= Int(entry >> 48) else { return -1 }
        // Output tags take the received tag's PCP and DEI, or 0 (spec section 4, rule 4).
        let outer = priority | UInt16(truncatingIfNeeded: entry & 0xfff)
        let inner = priority | UInt16(truncatingIfNeeded: entry >> 12 & 0xfff)
        guard TagRewrite.write(buffer, removing: receivedTags, adding: Int(truncatingIfNeeded: entry >> 24 & 3),
                               outerTCI: outer, innerTCI: inner) else { return -1 }
        return Int(truncatingIfNeeded: entry >> 32 & 0xffff)
    }
}
