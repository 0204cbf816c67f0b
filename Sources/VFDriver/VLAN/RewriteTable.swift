/// The rewrites other than the single-tag translate, precomputed for one input port beside its
/// `TranslateTable`: a frame with no tag, one 0x8100 tag or two tags whose rule writes its tags
/// in software (VPP's push-1, push-2, pop-1 and pop-2; a QinQ S-tag push; a QinQ translate; an
/// untagged frame that stays so). Looked up by the received VID (untagged: `untaggedIndex`) or
/// VID pair (`pairs`), one 64-bit entry holds what the decision needs, so such a frame skips the
/// parser, classifier and action lookup.
///
/// Entry layout: bits 0-11 the outer output VID, 12-23 the inner one, 24-25 how many tags the
/// frame leaves with, 32-47 the out port, 48-63 the longest frame (received tags included) the
/// out port's MTU allows. Zero means "not this case" (no rule, VID 0 or 4095, a single-tag
/// translate, TX insert on the out port, a pair's rule without an out `vlan`): the general path
/// decides.
@frozen
public struct RewriteTable {
    @usableFromInline let entries: UnsafeMutablePointer<UInt64>
    /// Entries by (outer, inner) VID pair, when the port has rules for two tags.
    @usableFromInline let pairs: QinQTable<UInt64>?
    /// The entry of frames without a tag, after the 4096 VIDs'.
    @usableFromInline static var untaggedIndex: Int { 4096 }

    /// Entries for the untagged, single-tag push and pop, and double-tag rules of `classifier`;
    /// nil when it has none.
    init?(classifier: PortClassifier, actions: UnsafePointer<VLANAction>, mtus: UnsafePointer<Int>,
          insertsTags: UnsafePointer<Bool>) {
        func entry(_ action: VLANAction, receivedTags: Int) -> UInt64 {
            let out = Int(action.outPort)
            let outCount = action.rewrites ? Int(action.outCount) : receivedTags
            // Clamped to the field: a longer frame takes the general path, which checks the MTU itself.
            let longest = min(mtus[out] + TagStack.headerBytes(tags: receivedTags), 0xffff)
            return UInt64(action.outerVID) | UInt64(action.innerVID) << 12 | UInt64(outCount) << 24 | UInt64(out) << 32
                | UInt64(longest) << 48
        }
        /// An out port with TX insert is the general path's; so is a pair left unchanged, since
        /// writing it would turn its TPIDs into 0x88a8 and 0x8100.
        func isCase(_ action: VLANAction, receivedTags: Int) -> Bool {
            !insertsTags[Int(action.outPort)] && (action.rewrites || receivedTags < 2)
        }
        var found: [(index: Int, entry: UInt64)] = []
        if classifier.untagged >= 0, case let action = actions[Int(classifier.untagged)], isCase(action, receivedTags: 0) {
            found.append((Self.untaggedIndex, entry(action, receivedTags: 0)))
        }
        if let single = classifier.single {
            for vid in 1..<Int(TagStack.reservedVID) where single[vid] >= 0 {
                let action = actions[Int(single[vid])]
                guard action.rewrites, action.outCount != 1, isCase(action, receivedTags: 1) else { continue }
                found.append((vid, entry(action, receivedTags: 1)))
            }
        }
        var pairEntries: [(outer: UInt16, inner: UInt16, value: UInt64)] = []
        classifier.double?.forEach { outer, inner, index in
            let action = actions[Int(index)]
            if isCase(action, receivedTags: 2) { pairEntries.append((outer, inner, entry(action, receivedTags: 2))) }
        }
        guard !found.isEmpty || !pairEntries.isEmpty else { return nil }
        entries = .allocate(capacity: Self.untaggedIndex + 1)
        entries.initialize(repeating: 0, count: Self.untaggedIndex + 1)
        for (index, entry) in found { entries[index] = entry }
        pairs = pairEntries.isEmpty ? nil : QinQTable(entries: pairEntries, absent: 0)
    }

    func deallocate() {
        entries.deallocate()
        pairs?.deallocate()
    }

    /// Rewrites the frame's tags and returns its out port, or -1 when the frame is not a case of
    /// the table (the general path then decides it from scratch: nothing has been changed, a
    /// push without headroom included). A tag the NIC stripped is the general path's too.
    @inlinable @inline(__always)
    func decide<B: PacketBuffer>(_ buffer: B) -> Int {
        let length = buffer.length
        guard length >= TagStack.headerBytes(tags: 0), buffer.strippedTCI == nil else { return -1 }
        let tags = buffer.data + TagStack.macBytes
        let entry: UInt64, receivedTags: Int, outerPriority: UInt16, innerPriority: UInt16
        let first = TagStack.loadBigEndian16(tags)
        if TagStack.isTPID(first) {
            guard length >= TagStack.headerBytes(tags: 1) else { return -1 }
            let outerTCI = TagStack.loadBigEndian16(tags + 2)
            if TagStack.isTPID(TagStack.loadBigEndian16(tags + TagStack.tagBytes)) {
                // Two tags, and a third would match no exact rule: the general path's.
                guard let pairs, length >= TagStack.headerBytes(tags: 2),
                      !TagStack.isTPID(TagStack.loadBigEndian16(tags + 2 * TagStack.tagBytes)) else { return -1 }
                let innerTCI = TagStack.loadBigEndian16(tags + TagStack.tagBytes + 2)
                (entry, receivedTags) = (pairs.lookup(outer: outerTCI, inner: innerTCI), 2)
                (outerPriority, innerPriority) = (TagRewrite.priority(outerTCI), TagRewrite.priority(innerTCI))
            } else {
                guard first == TagStack.customerTPID else { return -1 }
                (entry, receivedTags) = (entries[Int(outerTCI & 0x0fff)], 1)
                (outerPriority, innerPriority) = (TagRewrite.priority(outerTCI), TagRewrite.priority(outerTCI))
            }
        } else {
            (entry, receivedTags, outerPriority, innerPriority) = (entries[Self.untaggedIndex], 0, 0, 0)
        }
        // Covers entry 0 too; an MTU drop is the general path's.
        guard length <= Int(entry >> 48) else { return -1 }
        // Output tag i takes received tag i's PCP and DEI, else the outermost's, else 0 (spec
        // section 4, rule 4).
        let outer = outerPriority | UInt16(truncatingIfNeeded: entry & 0xfff)
        let inner = innerPriority | UInt16(truncatingIfNeeded: entry >> 12 & 0xfff)
        guard TagRewrite.write(buffer, removing: receivedTags, adding: Int(truncatingIfNeeded: entry >> 24 & 3),
                               outerTCI: outer, innerTCI: inner) else { return -1 }
        return Int(truncatingIfNeeded: entry >> 32 & 0xffff)
    }
}
