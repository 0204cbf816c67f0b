/// Facts of the Intel 82599 that the DPDK ports, the mock and the config checks share.
public enum Intel82599 {
    /// The PF's VLVF table: VLAN filter entries for the whole port, shared by all its VFs
    /// (`IXGBE_VLVF_ENTRIES`).
    public static let vlanFilterEntries = 64
    /// Receive address registers (`IXGBE_82599_RAR_ENTRIES`): the PF's MAC and 15 MACVLANs, one
    /// per VF, the rest shared by VFs' MAC filters (Linux `ixgbe_alloc_vf_macvlans`).
    public static let receiveAddressEntries = 128

    /// Descriptors per ring (`IXGBE_MIN_RING_DESC`..`IXGBE_MAX_RING_DESC`, `IXGBE_RXD_ALIGN`), and
    /// the fewest a TX ring takes with DPDK's default tx_rs_thresh and tx_free_thresh, 32 each
    /// (`ixgbe_dev_tx_queue_setup`).
    public static let ringDescriptors = 32...4096
    public static let descriptorAlignment = 8
    public static let fewestTXDescriptors = 64
    /// VFs a PF can have: 64 pools, one the PF's own (Linux `IXGBE_MAX_VFS_DRV_LIMIT`).
    public static let maximumVFs = 63
    /// Queues a VF has at most, each way (`IXGBE_VF_MAX_RX_QUEUES`, `IXGBE_VF_MAX_TX_QUEUES`).
    public static let vfQueues = 8
    /// The Ethernet minimum without CRC: the MAC pads shorter frames it sends (HLREG0.TXPADEN,
    /// which the PF driver sets) and counts shorter ones it receives as undersize (RUC).
    public static let minimumFrame = 60

    /// Why the VFs of one PF (`pf`, as the message calls it) cannot all have their VLAN filter
    /// entries when together they need `vids`, or nil.
    public static func vlanFilterShortage(vids: Int, pf: String) -> String? {
        guard vids > vlanFilterEntries else { return nil }
        return "the ports on \(pf) need \(vids) VLAN filter entries; an 82599 PF has \(vlanFilterEntries) for all its VFs"
    }

    /// Why an 82599 VF refuses rings of `rx` and `tx` descriptors, or nil.
    public static func ringProblem(rx: Int, tx: Int) -> String? {
        let aligned = { (count: Int) in count % descriptorAlignment == 0 }
        guard ringDescriptors.contains(rx), aligned(rx), tx >= fewestTXDescriptors, ringDescriptors.contains(tx), aligned(tx) else {
            return "an 82599 VF takes \(ringDescriptors.lowerBound)..\(ringDescriptors.upperBound) RX and "
                + "\(fewestTXDescriptors)..\(ringDescriptors.upperBound) TX descriptors per ring, in multiples of "
                + "\(descriptorAlignment); got \(rx) RX, \(tx) TX"
        }
        return nil
    }

    /// The VF device IDs, bare metal and Hyper-V (Linux `ixgbe_type.h`: IXGBE_DEV_ID_82599_VF,
    /// IXGBE_DEV_ID_82599_VF_HV). X540 and X550 VFs differ in what their PF allows them.
    public static func isVF(pciDevice: UInt32?) -> Bool { pciDevice == 0x10ed || pciDevice == 0x152e }
}
