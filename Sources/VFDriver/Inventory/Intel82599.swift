/// Facts of the Intel 82599 that the DPDK ports, the mock and the config checks share.
public enum Intel82599 {
    /// The PF's VLVF table: VLAN filter entries for the whole port, shared by all its VFs
    /// (`IXGBE_VLVF_ENTRIES`).
    public static let vlanFilterEntries = 64
    /// Receive address registers (`IXGBE_82599_RAR_ENTRIES`): the PF's MAC and 15 MACVLANs, one
    /// per VF, the rest shared by VFs' MAC filters (Linux `ixgbe_alloc_vf_macvlans`).
    public static let receiveAddressEntries = 128

    /// The VF device IDs, bare metal and Hyper-V (Linux `ixgbe_type.h`: IXGBE_DEV_ID_82599_VF,
    /// IXGBE_DEV_ID_82599_VF_HV). X540 and X550 VFs differ in what their PF allows them.
    public static func isVF(pciDevice: UInt32?) -> Bool { pciDevice == 0x10ed || pciDevice == 0x152e }
}
