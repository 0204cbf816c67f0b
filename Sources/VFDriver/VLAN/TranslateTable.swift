/// The Neutron hot case precomputed for one input port: a frame with one 0x8100 tag whose rule
/// writes one tag in software (VID translate, priority kept). Indexed by the received VID, one
/// 64-bit entry holds everything the decision needs, so a frame costs one table load instead of
/// a walk through classifier, action, out port's offloads and MTU.
///
/// Entry layout: bits 0-11 the output VID, 16-31 the out port, 32-47 the longest frame (tag
/// included) the out port's MTU allows. Zero means "not this case" (no rule, VID 0 or 4095,
/// another operation, or TX insert on the out port): the general path decides.
@frozen
public struct TranslateTable {
    @usableFromInline let entries: UnsafeMutablePointer<UInt64>

    /// Entries for every single-tag rule of `classifier` that the fast path can do exactly.
    init?(classifier: PortClassifier, actions: UnsafePointer<VLANAction>, mtus: UnsafePointer<Int>,
          insertsTags: UnsafePointer<Bool>) {
        guard let single = classifier.single else { return nil }
        entries = .allocate(capacity: 4096)
        entries.initialize(repeating: 0, count: 4096)
        for vid in 1..<Int(TagStack.reservedVID) where single[vid] >= 0 {
            let action = actions[Int(single[vid])]
            let out = Int(action.outPort)
            guard action.rewrites, action.outCount == 1, !insertsTags[out] else { continue }
            let longest = UInt64(mtus[out] + Self.headerBytes)
            entries[vid] = UInt64(action.outerVID) | UInt64(action.outPort) << 16 | longest << 32
        }
    }

    func deallocate() { entries.deallocate() }

    /// MACs, the tag and the ethertype: what precedes the L3 bytes the MTU limits.
    @usableFromInline static var headerBytes: Int { TagStack.macBytes + TagStack.tagBytes + 2 }

    /// Rewrites the frame's VID and returns its out port, or -1 when the frame is not the hot case
    /// (the general path then decides it from scratch: nothing has been changed). `length` is
    /// the buffer's, which the caller has read already.
    @inlinable @inline(__always)
    func translate<B: PacketBuffer>(_ buffer: B, length: Int) -> Int {
        guard length >= Self.headerBytes, buffer.strippedTCI == nil else { return -1 }
        let tag = buffer.data + TagStack.macBytes
        let tpidAndTCI = UInt32(bigEndian: UnsafeRawPointer(tag).loadUnaligned(as: UInt32.self))
        guard tpidAndTCI >> 16 == UInt32(TagStack.customerTPID) else { return -1 }
        let entry = entries[Int(tpidAndTCI & 0x0fff)]
        // A second tag (QinQ) takes the general path, as does an MTU drop.
        guard entry != 0, length <= Int(entry >> 32),
              !TagStack.isTPID(UInt16(bigEndian: UnsafeRawPointer(tag + TagStack.tagBytes).loadUnaligned(as: UInt16.self)))
        else { return -1 }
        // PCP and DEI stay (spec section 4, rule 4); only the VID changes.
        let tci = UInt16(truncatingIfNeeded: tpidAndTCI & 0xf000) | UInt16(truncatingIfNeeded: entry & 0x0fff)
        UnsafeMutableRawPointer(tag + 2).storeBytes(of: tci.bigEndian, as: UInt16.self)
        return Int(truncatingIfNeeded: entry >> 16 & 0xffff)
    }
}
