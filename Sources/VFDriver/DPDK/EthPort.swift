import CDPDK

/// A DPDK ethdev port (`port_id`), driving any PMD: ixgbevf on a real VF, or a virtual device.
@frozen
public struct EthPort: PacketPort {
    public typealias Buffer = Mbuf
    public let id: UInt16
    /// TX VLAN insert was requested and the device has it.
    public let insertsTags: Bool
    /// RX VLAN strip was requested and the device has it.
    public let stripsTags: Bool
    /// The configuration's VIDs went to the VLAN filter (a device whose PF filters VLANs).
    public let filtersVLANs: Bool
    public let minimumReceiveBurst: Int

    /// Intel PMDs whose vector RX returns nothing when asked for fewer than 4 frames and rounds
    /// other requests down to a multiple of 4 (ixgbe_rxtx_vec_sse.c; i40e, iavf and ice share the
    /// design); DPDK's ixgbe.rst ("RX Burst Size") asks for 32.
    static let vectorReceiveDrivers: Set<String> = ["net_ixgbe", "net_ixgbe_vf", "net_i40e", "net_i40e_vf", "net_iavf", "net_ice"]
    /// VFs whose PF filters VLANs whatever the VF asks: a tagged frame reaches the VF only if
    /// its VID is in the VF's filter (Linux ixgbe enables VLAN filtering with SR-IOV; VLAN
    /// promiscuous needs unicast promiscuous, which an 82599 VF cannot have). Their PF's
    /// refusals come back as driver codes (a mailbox NACK), not errnos.
    static let pfManagedVFDrivers: Set<String> = ["net_ixgbe_vf"]

    /// Ethdevs one process can have: the DPDK build's RTE_MAX_ETHPORTS (32 in Debian's); the
    /// EAL creates no more, so a config with more DPDK ports is refused before it starts.
    public static let maximumPorts = Int(RTE_MAX_ETHPORTS)

    /// The port the EAL created for `device` (its PCI address or vdev name).
    public static func find(_ device: DeviceString) throws(DPDKError) -> UInt16 {
        var id: UInt16 = 0
        let rc = rte_eth_dev_get_port_by_name(device.ethdevName, &id)
        guard rc == 0 else { throw DPDKError("finding device '\(device.ethdevName)'", code: rc, advice: notFoundAdvice(device)) }
        return id
    }

    static func notFoundAdvice(_ device: DeviceString) -> String {
        switch device {
        case .pci:
            "check the address with `vf-fwd list`, that the device is bound to vfio-pci (`dpdk-devbind.py --status`), "
                + "and that the EAL arguments do not include --no-pci"
        case .vdev(let name, _):
            (device.argumentProblems + ["the EAL did not create virtual device \(name): check its PMD name and arguments; "
                                        + "the PMD's own message is in the EAL log above (unless --log-level is below 4, errors)"])
                .joined(separator: "; ")
        case .mock:
            "a mock device is not a DPDK device"
        }
    }

    /// Configures the device and its queues (not yet started). RX queues take buffers from `pool`.
    /// `name` is how errors call the port (vf-fwd: the config's name for it).
    public init(id: UInt16, configuration c: PortConfiguration, pool: PacketPool, name: String? = nil) throws(DPDKError) {
        let label = Self.label(id, name)
        var info = rte_eth_dev_info()
        try check(rte_eth_dev_info_get(id, &info), "reading device info of \(label)")
        let driver = String(cString: info.driver_name)
        let pfManaged = Self.pfManagedVFDrivers.contains(driver)
        guard c.rxQueues <= info.max_rx_queues, c.txQueues <= info.max_tx_queues else {
            throw DPDKError("configuring \(label) (\(driver))", code: EINVAL,
                            advice: "it has at most \(info.max_rx_queues) RX and \(info.max_tx_queues) TX queues")
        }
        // ixgbevf writes rx-queues >> 1 into VFPSRTYPE.RQPL, which encodes a power of two: any
        // other count leaves queues without frames (ixgbevf_dev_rx_init).
        guard driver != "net_ixgbe_vf" || c.rxQueues & (c.rxQueues - 1) == 0 else {
            throw DPDKError("configuring \(label) (an 82599 VF)", code: EINVAL,
                            advice: "its RX queue count must be a power of two (1, 2, 4 or 8), got \(c.rxQueues)")
        }
        // The device's ring limits (ixgbe: 32..4096, multiples of 8): a count outside them is an
        // error, as in the mock, rather than one rte_eth_dev_adjust_nb_rx_tx_desc silently changes.
        // A TX ring also needs room for both default thresholds (ixgbe: 32 + 32), else its queue
        // setup fails with a bare EINVAL (ixgbe_dev_tx_queue_setup).
        let txThresholds = Int(info.default_txconf.tx_rs_thresh) + Int(info.default_txconf.tx_free_thresh)
        for (count, limits, least, ring) in [(c.rxDescriptors, info.rx_desc_lim, 0, "RX"),
                                             (c.txDescriptors, info.tx_desc_lim, txThresholds, "TX")] {
            if let problem = Self.descriptorProblem(count, limits: limits, least: least) {
                throw DPDKError("setting up the \(ring) queues of \(label) (\(driver))", code: EINVAL,
                                advice: "its \(ring) rings take \(problem)")
            }
        }
        let mtus = Self.mtuRange(info)
        guard mtus.contains(c.mtu) else {
            throw DPDKError("setting MTU \(c.mtu) on \(label) (\(driver))", code: EINVAL,
                            advice: "its MTU range is \(mtus.lowerBound)..\(mtus.upperBound) (frames up to \(info.max_rx_pktlen) bytes)")
        }
        let busName = Self.deviceName(info)
        if let problem = Self.jumboProblem(mtu: c.mtu, pciDevice: busName.flatMap { SRIOVInventory.deviceID(of: $0) },
                                           pfMTU: busName.flatMap { SRIOVInventory.pfMTU(ofVF: $0) }) {
            throw DPDKError("setting MTU \(c.mtu) on \(label) (an 82599 VF)", code: EINVAL, advice: problem)
        }
        // Only what the device offers is enabled; the engine does the rest in software.
        let rxOffloads = c.vlanStrip ? info.rx_offload_capa & VF_RX_OFFLOAD_VLAN_STRIP : 0
        let txInsert = c.vlanInsert ? info.tx_offload_capa & VF_TX_OFFLOAD_VLAN_INSERT : 0
        let txOffloads = txInsert | (c.transmitsChains ? info.tx_offload_capa & VF_TX_OFFLOAD_MULTI_SEGS : 0)
        // Several RX queues need RSS to spread flows over them, else every frame lands in queue 0.
        // An 82599 VF hashes with its PF's key and table, ixgbevf setting only the queue count
        // (VFPSRTYPE.RQPL in ixgbevf_dev_rx_init); other devices take the request as it is.
        let rssHash = c.rxQueues > 1 ? info.flow_type_rss_offloads & VF_ETH_RSS_IP_TCP_UDP : 0
        let filtersVLANs = !c.vlanFilter.isEmpty && pfManaged && info.rx_offload_capa & VF_RX_OFFLOAD_VLAN_FILTER != 0
        let portOffloads = rxOffloads | (filtersVLANs ? VF_RX_OFFLOAD_VLAN_FILTER : 0)
        try check(vf_eth_configure(id, UInt16(c.rxQueues), UInt16(c.txQueues), portOffloads, txOffloads, UInt32(c.mtu), rssHash),
                  "configuring \(label)")
        if filtersVLANs { try Self.addToVLANFilter(id, c.vlanFilter, name: label) }
        // A device with room for one address has no MAC filter (virtual ones): it gets every frame.
        if info.max_mac_addrs > 1 {
            try Self.addMACAddresses(id, c.macAddresses, name: label, answersForPF: pfManaged)
        }
        let rxDescriptors = UInt16(c.rxDescriptors), txDescriptors = UInt16(c.txDescriptors)
        let socket = UInt32(bitPattern: rte_eth_dev_socket_id(id))
        for q in 0..<UInt16(c.rxQueues) {
            try check(vf_eth_rx_queue_setup(id, q, rxDescriptors, socket, rxOffloads, pool.pointer), "setting up RX queue \(q) of \(label)")
        }
        for q in 0..<UInt16(c.txQueues) {
            try check(vf_eth_tx_queue_setup(id, q, txDescriptors, socket, txOffloads), "setting up TX queue \(q) of \(label)")
        }
        self.id = id
        self.insertsTags = txInsert != 0
        self.stripsTags = rxOffloads != 0
        self.filtersVLANs = filtersVLANs
        minimumReceiveBurst = Self.vectorReceiveDrivers.contains(driver) ? 32 : 1
    }

    /// What a ring of `count` descriptors breaks of the device's `limits`, and of a lower bound
    /// `least` of its own ("64..4096 descriptors in multiples of 8, got 32"), or nil when it fits.
    static func descriptorProblem(_ count: Int, limits: rte_eth_desc_lim, least: Int = 0) -> String? {
        let align = max(Int(limits.nb_align), 1)
        let fewest = max(Int(limits.nb_min), least)
        guard count < fewest || count > limits.nb_max || count % align != 0 else { return nil }
        return "\(fewest)..\(limits.nb_max) descriptors" + (align > 1 ? " in multiples of \(align)" : "") + ", got \(count)"
    }

    /// The MTUs `rte_eth_dev_configure` accepts (`eth_dev_validate_mtu`): from `min_mtu` to
    /// `max_mtu`, and no frame, MTU plus the device's overhead, over `max_rx_pktlen`; the
    /// overhead is `max_rx_pktlen - max_mtu` where the device reports a `max_mtu`, else the
    /// Ethernet header and CRC (`eth_dev_get_overhead_len`). A tap device reports only a frame size.
    static func mtuRange(_ info: rte_eth_dev_info) -> ClosedRange<Int> {
        let maxMTU = Int(info.max_mtu), maxFrame = Int(info.max_rx_pktlen)
        let overhead = maxMTU != Int(UInt16.max) && maxFrame > maxMTU ? maxFrame - maxMTU : 14 + 4
        return Int(info.min_mtu)...max(Int(info.min_mtu), min(maxMTU, maxFrame - overhead))
    }

    /// How errors call port `id`: "port NAME" when the caller names it, else "port ID".
    static func label(_ id: UInt16, _ name: String?) -> String { "port \(name ?? String(id))" }

    /// `name`, as for `init`, is how an error calls the port.
    public func start(name: String? = nil) throws(DPDKError) { try check(rte_eth_dev_start(id), "starting \(Self.label(id, name))") }
    public func stop(name: String? = nil) throws(DPDKError) { try check(rte_eth_dev_stop(id), "stopping \(Self.label(id, name))") }
    public func close(name: String? = nil) throws(DPDKError) { try check(rte_eth_dev_close(id), "closing \(Self.label(id, name))") }

    @inlinable
    public func receive(queue: UInt16, into buffers: UnsafeMutablePointer<Mbuf>, capacity: Int) -> Int {
        // ethdev counts a burst in 16 bits: a larger one is asked for in part, as a port may.
        buffers.withMemoryRebound(to: OpaquePointer?.self, capacity: capacity) {
            Int(vf_rx_burst(id, queue, $0, UInt16(clamping: capacity)))
        }
    }

    @inlinable
    public func transmit(queue: UInt16, from buffers: UnsafeMutablePointer<Mbuf>, count: Int) -> Int {
        buffers.withMemoryRebound(to: OpaquePointer?.self, capacity: count) {
            Int(vf_tx_burst(id, queue, $0, UInt16(clamping: count)))
        }
    }

    /// Frees the frames waiting in RX queues `0..<queues`, uncounted (they came after the lanes
    /// stopped receiving), where the PMD would not: DPDK's ring PMD frees its rings at close but
    /// not the buffers in them (`eth_dev_close` in rte_eth_ring.c), where a NIC's PMD frees its
    /// RX descriptors' buffers when the queue stops. Other ports have nothing to give back.
    public func discardFramesNotReceived(queues: Int) {
        guard driverName == "net_ring" else { return }
        let burst = 32
        let buffers = UnsafeMutablePointer<Mbuf>.allocate(capacity: burst)
        defer { buffers.deallocate() }
        for queue in 0..<UInt16(queues) {
            while case let n = receive(queue: queue, into: buffers, capacity: burst), n > 0 {
                for i in 0..<n { buffers[i].free() }
            }
        }
    }

    public var driverName: String {
        var info = rte_eth_dev_info()
        guard rte_eth_dev_info_get(id, &info) == 0 else { return "?" }
        return String(cString: info.driver_name)
    }

    public var macAddress: String {
        var mac = rte_ether_addr()
        guard rte_eth_macaddr_get(id, &mac) == 0 else { return "?" }
        return withUnsafeBytes(of: mac.addr_bytes) { PortFacts.macText($0) }
    }

    public struct Link: Equatable, Sendable {
        public var up: Bool
        public var speedMbps: UInt32
    }

    public var link: Link {
        var link = rte_eth_link()
        _ = rte_eth_link_get_nowait(id, &link)
        return Link(up: link.link_status != 0, speedMbps: link.link_speed)
    }

    /// The driver's own counters (`rte_eth_stats_get`).
    public var deviceStats: DeviceCounters {
        var s = rte_eth_stats()
        guard rte_eth_stats_get(id, &s) == 0 else { return DeviceCounters() }
        return DeviceCounters(ipackets: s.ipackets, opackets: s.opackets, imissed: s.imissed,
                              ierrors: s.ierrors, oerrors: s.oerrors, rxNoMbuf: s.rx_nombuf)
    }

    /// Every extended statistic the PMD reports, by name.
    public var extendedStats: [(name: String, value: UInt64)] {
        let n = rte_eth_xstats_get_names(id, nil, 0)
        guard n > 0 else { return [] }
        var names = [rte_eth_xstat_name](repeating: rte_eth_xstat_name(), count: Int(n))
        var values = [rte_eth_xstat](repeating: rte_eth_xstat(), count: Int(n))
        guard rte_eth_xstats_get_names(id, &names, UInt32(n)) == n, rte_eth_xstats_get(id, &values, UInt32(n)) == n else { return [] }
        return zip(names, values).map { name, value in
            (withUnsafeBytes(of: name.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }, value.value)
        }
    }
}
