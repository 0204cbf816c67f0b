import CDPDK

/// One DPDK packet buffer (`struct rte_mbuf *`): a trivial handle, no reference counting in Swift.
@frozen
public struct Mbuf: PacketBuffer {
    public let pointer: OpaquePointer

    @inlinable public init(_ pointer: OpaquePointer) { self.pointer = pointer }

    @inlinable public var data: UnsafeMutablePointer<UInt8> { vf_mbuf_data(pointer) }
    /// The whole frame; the pool's buffers hold the largest frame the MTU allows in one segment.
    @inlinable public var length: Int { Int(vf_mbuf_pkt_len(pointer)) }
    @inlinable public var wireLength: Int {
        length + (vf_mbuf_ol_flags(pointer) & VF_MBUF_F_TX_VLAN != 0 ? TagStack.tagBytes : 0)
    }
    @inlinable public var strippedTCI: UInt16? {
        vf_mbuf_ol_flags(pointer) & VF_MBUF_F_RX_VLAN_STRIPPED != 0 ? vf_mbuf_vlan_tci(pointer) : nil
    }
    @inlinable public func clearStrippedTag() { vf_mbuf_clear_rx_vlan(pointer) }
    @inlinable public func markStripped(tci: UInt16) { vf_mbuf_set_rx_vlan_stripped(pointer, tci) }
    @inlinable public func requestTagInsert(tci: UInt16) { vf_mbuf_request_tx_vlan(pointer, tci) }
    @inlinable public func prepend(_ count: Int) -> UnsafeMutablePointer<UInt8>? { vf_mbuf_prepend(pointer, UInt16(count)) }
    @inlinable public func trimFront(_ count: Int) { _ = vf_mbuf_adj(pointer, UInt16(count)) }
    @inlinable public func append(_ count: Int) -> UnsafeMutablePointer<UInt8>? { vf_mbuf_append(pointer, UInt16(count)) }
    @inlinable public func free() { vf_mbuf_free(pointer) }
    @inlinable public func prefetch() { vf_prefetch(vf_mbuf_data(pointer)) }
}
