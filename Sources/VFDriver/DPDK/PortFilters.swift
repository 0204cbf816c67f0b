import CDPDK

/// What reaches a port, and what an 82599 VF's PF lets reach it: VLAN and MAC filter entries,
/// promiscuous and all-multicast modes, and the PF's frame size.
extension EthPort {
    /// Asks the PF for every VID (ixgbevf: mailbox IXGBE_VF_SET_VLAN, kept in a shadow table
    /// that `rte_eth_dev_start` replays and `rte_eth_dev_reset` forgets, so every set-up adds
    /// them again).
    static func addToVLANFilter(_ id: UInt16, _ vids: [UInt16], name: String) throws(DPDKError) {
        for vid in vids {
            let rc = rte_eth_dev_vlan_filter(id, vid, 1)
            // The PF's refusal (a NACK) comes back as a positive value, not an errno.
            guard rc != 0 else { continue }
            throw DPDKError("adding VLAN \(vid) to the VLAN filter of \(name)", code: rc < 0 ? rc : EPERM,
                            advice: "the PF refused it: its 64 VLAN filter entries, shared by all its VFs, are in use "
                                + "(this port needs \(vids.count)), or it set a port VLAN on this VF "
                                + "(`ip link set PF vf N vlan 0` removes it)")
        }
    }

    /// Asks the device to receive frames for `addresses` too (ixgbevf: mailbox
    /// IXGBE_VF_SET_MACVLAN; `rte_eth_dev_reset` forgets them, so every set-up adds them again).
    /// `answersForPF`: the driver returns its PF's refusal as a driver code, not an errno.
    static func addMACAddresses(_ id: UInt16, _ addresses: [[UInt8]], name: String, answersForPF: Bool) throws(DPDKError) {
        for address in addresses {
            var mac = rte_ether_addr()
            withUnsafeMutableBytes(of: &mac.addr_bytes) { $0.copyBytes(from: address) }
            let rc = rte_eth_dev_mac_addr_add(id, &mac, 0)
            guard rc != 0, rc != -ENOTSUP else { continue }
            throw DPDKError("adding MAC \(PortFacts.macText(address)) to \(name)", code: answersForPF ? EPERM : rc,
                            advice: answersForPF
                                ? "the PF refused it: it set this VF's MAC and does not trust it (`ip link set PF vf N trust on`), "
                                    + "or its MAC filter entries, shared by all its VFs, are in use"
                                : nil)
        }
    }

    /// Asks to receive every frame, whatever its destination MAC, and where that is refused,
    /// every multicast one (`reception` says what the port got). The order matters on ixgbevf:
    /// all-multicast is not asked of a port DPDK holds promiscuous.
    public func widenReception() {
        _ = rte_eth_promiscuous_enable(id)
        _ = rte_eth_allmulticast_enable(id)
    }

    /// What reaches the port, from DPDK's promiscuous and all-multicast flags and, on an ixgbe
    /// VF, what its PF does with the requests (`Self.reception(...)`).
    public var reception: PortFacts.Reception {
        var info = rte_eth_dev_info()
        let known = rte_eth_dev_info_get(id, &info) == 0
        let ixgbeVF = known && Self.pfManagedVFDrivers.contains(String(cString: info.driver_name))
        let address = known ? Self.deviceName(info) : nil
        return Self.reception(promiscuous: rte_eth_promiscuous_get(id) == 1, allMulticast: rte_eth_allmulticast_get(id) == 1,
                              ixgbeVF: ixgbeVF, is82599: Intel82599.isVF(pciDevice: address.flatMap { SRIOVInventory.deviceID(of: $0) }),
                              pfTrusts: ixgbeVF ? address.flatMap(Self.pfTrusts) : nil)
    }

    /// Linux's ixgbe answers an untrusted VF's promiscuous request with multicast mode and
    /// success, and refuses a trusted 82599 VF, which cannot be promiscuous
    /// (`ixgbe_update_vf_xcast_mode`): on such a VF DPDK's promiscuous flag can mean multicast
    /// mode, and all-multicast was then not asked (ixgbevf skips it for a promiscuous port).
    /// `pfTrusts`: the PF's `trust` for the VF, nil when unknown (a DPDK PF has no such
    /// setting and does what it says).
    static func reception(promiscuous: Bool, allMulticast: Bool, ixgbeVF: Bool, is82599: Bool, pfTrusts: Bool?) -> PortFacts.Reception {
        if promiscuous && ixgbeVF && (is82599 || pfTrusts == false) { return .ownAndJoinedGroups }
        return promiscuous ? .everything : allMulticast ? .ownAndMulticast : .ownAndJoinedGroups
    }

    /// The `trust` a VF's PF holds for it (rtnetlink), while a kernel driver owns the PF.
    static func pfTrusts(_ address: String) -> Bool? {
        SRIOVInventory.vfAtPF(address, root: SRIOVInventory.sysfsDevices)?.settings()?.trust
    }

    /// Why an 82599 VF would receive nothing with this MTU: its PF keeps one frame size for the
    /// whole port, and Linux's ixgbe turns a VF's receive off when it asks for frames over 1518
    /// bytes while the PF's MTU is 1500 or less (`ixgbe_set_vf_lpe`); ixgbevf only logs the
    /// refusal and starts (`ixgbevf_dev_rx_init`). nil when the MTU is fine or nothing is known.
    static func jumboProblem(mtu: Int, pciDevice: UInt32?, pfMTU: Int?) -> String? {
        guard mtu > 1500, Intel82599.isVF(pciDevice: pciDevice), let pfMTU, pfMTU <= 1500 else { return nil }
        return "its PF's MTU is \(pfMTU), and an 82599's PF turns off the receive of a VF that asks for larger frames: "
            + "raise the PF's MTU first (`ip link set PF mtu \(mtu)`), or keep this port's MTU at 1500"
    }

    /// The bus's name of the device: a PCI address ("0000:03:10.0"), or a vdev's name.
    static func deviceName(_ info: rte_eth_dev_info) -> String? {
        info.device.flatMap { rte_dev_name($0) }.map { String(cString: $0) }
    }

    /// The MACs the port receives besides `macAddress` (its MAC filter entries).
    public var addedMACAddresses: [String] {
        var info = rte_eth_dev_info()
        guard rte_eth_dev_info_get(id, &info) == 0, info.max_mac_addrs > 1 else { return [] }
        var all = [rte_ether_addr](repeating: rte_ether_addr(), count: Int(info.max_mac_addrs))
        let n = vf_eth_macaddrs_get(id, &all, UInt32(all.count))
        guard n > 1 else { return [] }
        return all[1..<Int(n)].compactMap { entry in
            withUnsafeBytes(of: entry.addr_bytes) { $0.contains { $0 != 0 } ? PortFacts.macText($0) : nil }
        }
    }
}
