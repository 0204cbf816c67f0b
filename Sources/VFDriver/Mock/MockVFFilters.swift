/// The mock VF's receive filters as its PF keeps them: promiscuous and all-multicast modes,
/// multicast groups, MAC filter entries and the VLAN filter (docs/mock-device.md).
extension MockVF {
    /// As rte_eth_promiscuous_enable on ixgbevf with a Linux PF (`ixgbe_update_vf_xcast_mode`):
    /// an 82599 cannot make a VF unicast promiscuous (X540 and later can), so the PF refuses a
    /// trusted VF (NACK: -ENOTSUP), and quietly gives an untrusted one multicast mode only, the
    /// call succeeding all the same. Either way the VF still receives only its own MAC's frames.
    public func setPromiscuous(_ on: Bool) throws(MockError) {
        if on && trusted { throw .unsupported("an 82599 VF cannot be promiscuous (the PF refuses; X540 and later VFs can)") }
    }

    /// As rte_eth_allmulticast_enable on ixgbevf with a Linux PF: a trusted VF receives every
    /// multicast frame; an untrusted one is quietly kept to its groups, the call succeeding.
    public func setAllMulticast(_ on: Bool) {
        allMulticast = on && trusted
    }

    /// What reaches the VF, by destination MAC.
    public var reception: PortFacts.Reception {
        promiscuous ? .everything : allMulticast ? .ownAndMulticast : .ownAndJoinedGroups
    }

    /// As rte_eth_dev_mac_addr_add on ixgbevf with a Linux PF (`ixgbe_set_vf_macvlan_msg`): the
    /// PF refuses it when its admin set the VF's MAC and does not trust the VF, turns the VF's
    /// anti-spoofing off (so it may send from the new MAC), and may have no entry left. Adding
    /// the VF's own MAC or one it has is a success that changes nothing, as in ethdev.
    public func addMACAddress(_ address: [UInt8]) throws(MockError) {
        guard address != mac, !addedMACs.contains(address) else { return }
        guard address.count == 6, address[0] & 1 == 0, address.contains(where: { $0 != 0 }) else {
            throw .unsupported("\(PortFacts.macText(address)) is not a unicast MAC")
        }
        if macSetByAdmin && !trusted {
            throw .unsupported("the PF set VF \(index)'s MAC and does not trust it: `ip link set PF vf \(index) trust on`")
        }
        spoofCheck = false
        try nic?.claimMACEntry()
        addedMACs.append(address)
    }

    func releaseAddedMACs() {
        for _ in addedMACs { nic?.releaseMACEntry() }
        addedMACs = []
    }

    /// As rte_eth_dev_set_mc_addr_list on ixgbevf: the mailbox message carries at most 30
    /// addresses (ixgbe_update_mc_addr_list_vf), so the rest are dropped silently.
    public func setMulticast(_ addresses: [[UInt8]]) {
        multicast = Array(addresses.prefix(Self.maxMulticastAddresses))
    }

    /// As rte_eth_dev_vlan_filter: the request goes to the PF at once, stopped or not; the
    /// PF's shared VLVF table may be full, and a port VLAN set by the PF forbids the VF its
    /// own filters.
    public func setVLANFilter(_ vid: UInt16, on: Bool) throws(MockError) {
        guard (1...4094).contains(vid) else { throw .unsupported("VID \(vid) outside 1...4094") }
        if portVLAN != nil { throw .unsupported("the PF set a port VLAN: VLAN filters are the PF's") }
        if on {
            if !vlanFilterInPF.contains(vid) { try claimInPF(vid) }
            vlanFilter.insert(vid)
        } else {
            vlanFilter.remove(vid)
            if unmarkHeldInPF(vid) { nic?.releaseVLANEntry(vid) }
        }
    }

    func claimInPF(_ vid: UInt16) throws(MockError) {
        try nic?.claimVLANEntry(vid)
        markHeldInPF(vid)
    }

    func releaseVLANFilterInPF() {
        for vid in vlanFilterInPF {
            _ = unmarkHeldInPF(vid)
            nic?.releaseVLANEntry(vid)
        }
    }
}
