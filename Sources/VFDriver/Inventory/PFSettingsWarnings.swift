/// Settings of a VF's PF that make the PF drop or hold back what vf-fwd forwards, found before
/// the first frame: the PF does it silently (its own counters only), so `check` and `run` say
/// so, with the command that changes it. Also what an 82599 VF itself refuses (rings, a jumbo
/// MTU under its PF's), so `check` reports what `run` would stop on.
extension ForwarderConfig {
    /// One line per problem, for every port on a VF whose PF's kernel driver is known (sysfs
    /// `root`, and `vfSettings` of the PF's interface; tests pass fakes).
    public func pfSettingsWarnings(root: String = SRIOVInventory.sysfsDevices,
                                   vfSettings: (String) -> [VFAdminSettings] = VFAdminSettings.read(interface:))
        -> [(port: String, warning: String)] {
        var warnings: [(port: String, warning: String)] = []
        // The VIDs the config's VFs of each PF need: their entries are the PF's, shared.
        var vidsAtPF: [String: (firstPort: String, vids: Set<UInt16>)] = [:]
        let vlanFilters = vlanFilters, sendingPorts = Set(rules.map(\.outPort))
        for (index, port) in ports.enumerated() {
            guard case .pci = port.device, let vf = SRIOVInventory.vfAtPF(port.device.ethdevName, root: root) else { continue }
            let command = "ip link set \(vf.pfInterface) vf \(vf.index)"
            func warn(_ text: String) { warnings.append((port.name, text)) }
            let settings = vf.settings(vfSettings)
            let sends = sendingPorts.contains(index)
            let vids = vlanFilters[index]
            // spoofchk is MAC and VLAN anti-spoofing at once (ixgbe_ndo_set_vf_spoofchk); Linux
            // turns both off for a VF that adds MAC filters (ixgbe_set_vf_macvlan_msg).
            if sends, settings?.spoofCheck == true, port.macAddresses.isEmpty {
                warn("its PF checks source MACs (spoofchk on) and drops what the port forwards from other hosts, and tagged "
                     + "frames of VLANs outside its VLAN filter: `\(command) spoofchk off`")
            }
            if let vlan = settings?.portVLAN, !vids.isEmpty {
                warn("its PF set port VLAN \(vlan): the VF sees only that VLAN's frames, untagged, and may not join the VLANs "
                     + "of its rules: `\(command) vlan 0`")
            }
            if settings?.trust == false {
                warn("its PF does not trust it: it receives only the multicast groups it joins, and may not add MACs to a MAC "
                     + "its PF set: `\(command) trust on`")
            }
            vidsAtPF[vf.pfInterface, default: (port.name, [])].vids.formUnion(vids)
            if Intel82599.isVF(pciDevice: vf.deviceID), let problem = Intel82599.ringProblem(rx: port.rxDescriptors, tx: port.txDescriptors) {
                warn(problem)
            }
            if let problem = EthPort.jumboProblem(mtu: port.mtu, pciDevice: vf.deviceID, pfMTU: SRIOVInventory.pfMTU(ofVF: vf.address, root: root)) {
                warn("MTU \(port.mtu): " + problem)
            }
        }
        for (pf, need) in vidsAtPF.sorted(by: { $0.key < $1.key }) {
            if let shortage = Intel82599.vlanFilterShortage(vids: need.vids.count, pf: "\(pf)'s VFs") { warnings.append((need.firstPort, shortage)) }
        }
        return warnings
    }
}

extension SRIOVInventory {
    /// A VF as its PF knows it: the PF's network interface, the VF's index there, its device ID.
    struct VFAtPF {
        var address: String
        var pfInterface: String
        var index: Int
        var deviceID: UInt32?

        /// What the PF holds for this VF (`vfSettings` of the PF's interface; tests pass fakes).
        func settings(_ vfSettings: (String) -> [VFAdminSettings] = VFAdminSettings.read(interface:)) -> VFAdminSettings? {
            vfSettings(pfInterface).first { $0.vf == index }
        }
    }

    /// `address` (a VF's PCI address) through its `physfn` link, the PF's `virtfnN` link back to
    /// it, and the PF's network device; nil when it is not a VF or no kernel driver owns its PF.
    static func vfAtPF(_ address: String, root: String) -> VFAtPF? {
        guard let pf = linkTarget("\(root)/\(address)/physfn"),
              let interface = networkInterface(of: pf, root: root),
              let link = entries(of: "\(root)/\(pf)").first(where: { $0.hasPrefix("virtfn") && linkTarget("\(root)/\(pf)/\($0)") == address }),
              let index = Int(link.dropFirst("virtfn".count)) else { return nil }
        return VFAtPF(address: address, pfInterface: interface, index: index, deviceID: deviceID(of: address, root: root))
    }
}
