/// How to set up a port's queues, for a DPDK ethdev (`EthPort`) and a mock VF (`MockVF`) alike.
public struct PortConfiguration: Equatable, Sendable {
    public var rxQueues = 1
    public var txQueues = 1
    public var rxDescriptors = 1024
    public var txDescriptors = 1024
    /// L3 MTU; the device adds its own L2 overhead (ixgbevf: header, CRC and two tags).
    public var mtu = 1500
    /// RX VLAN strip: the outer 0x8100 tag moves into buffer metadata.
    public var vlanStrip = false
    /// TX VLAN insert: a buffer may ask the device to add one 0x8100 tag.
    public var vlanInsert = false
    /// VIDs registered in the VLAN filter of a device whose PF filters VLANs whatever the VF
    /// asks (an 82599 VF): a frame whose 0x8100 tag carries another VID never reaches the port.
    /// Other devices receive every VLAN and ignore this, so vf-fwd sees and counts every frame.
    public var vlanFilter: [UInt16] = []
    /// Unicast MACs the port receives besides its own (the PF's MAC filters on an 82599 VF).
    public var macAddresses: [[UInt8]] = []
    /// TX may be handed a frame in several buffers (`ForwarderConfig.transmitsChains`):
    /// ask for RTE_ETH_TX_OFFLOAD_MULTI_SEGS where the device offers it. Without it ixgbevf
    /// picks its vector or simple TX path, which sends a chain's first buffer only and frees
    /// none of the others (ixgbe_set_tx_function, ixgbe_tx_free_bufs).
    public var transmitsChains = false

    public init() {}

    /// A config file's port: `vlan-offload` asks for both offloads; `vlanFilter` is what the
    /// port's rules match on (`ForwarderConfig.vlanFilters`).
    public init(_ port: PortConfig, vlanFilter: [UInt16] = [], transmitsChains: Bool = false) {
        rxQueues = port.rxQueues
        txQueues = port.txQueues
        rxDescriptors = port.rxDescriptors
        txDescriptors = port.txDescriptors
        mtu = port.mtu
        vlanStrip = port.vlanOffload
        vlanInsert = port.vlanOffload
        self.vlanFilter = vlanFilter
        macAddresses = port.macAddresses
        self.transmitsChains = transmitsChains
    }
}

extension ForwarderConfig {
    /// Per port, the VIDs it must let in: the outer VID of every exact tagged rule on it. A
    /// VLAN filter looks at the first tag only, one of TPID 0x8100 (82599 datasheet, L2 packet
    /// filtering: VLAN filter, VET register), so a QinQ rule needs its outer VID, and an
    /// 802.1ad (0x88a8) outer tag passes as untagged.
    public var vlanFilters: [[UInt16]] {
        var vids = [Set<UInt16>](repeating: [], count: ports.count)
        for rule in rules {
            switch rule.match {
            case .exact(.single(let vid)), .exact(.double(outer: let vid, inner: _)): vids[rule.inPort].insert(vid)
            case .exact(.untagged), .any: break
            }
        }
        return vids.map { $0.sorted() }
    }

    /// Per port, whether it may have to send a frame held in several buffers: when it is the
    /// target of a cross-connect from a device that delivers chains (`DeviceString.deliversChains`),
    /// which a cross-connect forwards unchecked (spec section 4). Every other rule checks the
    /// MTU, and buffers have room for the largest MTU (`DPDKForwarder.dataRoom`).
    public var transmitsChains: [Bool] {
        var chains = [Bool](repeating: false, count: ports.count)
        for (port, target) in crossConnectTargets.enumerated() where ports[port].device.deliversChains {
            if let target { chains[target] = true }
        }
        return chains
    }

    /// Every port's set-up, VLAN filter included.
    public var portConfigurations: [PortConfiguration] {
        let vlanFilters = vlanFilters, transmitsChains = transmitsChains
        return ports.indices.map { PortConfiguration(ports[$0], vlanFilter: vlanFilters[$0], transmitsChains: transmitsChains[$0]) }
    }
}
