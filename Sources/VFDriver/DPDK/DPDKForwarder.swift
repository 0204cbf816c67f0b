import Atomics
import CDPDK
#if canImport(Glibc)
import Glibc
#endif

/// Runs a `ForwarderConfig` on DPDK ethdev ports: EAL, an mbuf pool per NUMA node with ports,
/// ports, lanes on the EAL's lcores. `run` forwards until `stop` is requested, then drains,
/// stops and closes every port.
public final class DPDKForwarder: Forwarder {
    public let config: ForwarderConfig
    public let ports: [EthPort]
    /// One per NUMA node the ports are on, so a NIC's DMA and its frames stay in its node's
    /// memory (as dpdk-testpmd makes one per socket); `poolOfPort` says which a port's RX uses.
    public let pools: [PacketPool]
    let poolOfPort: [Int]
    /// Ports polled from an lcore of another NUMA node, each frame crossing the interconnect.
    public let numaWarnings: [String]
    public let plan: ForwardingPlan
    public let lanes: [ForwardingLane<EthPort>]
    let laneLcores: [UInt32]
    let configurations: [PortConfiguration]
    /// Per port, set by the EAL's interrupt thread when the PF resets the VF.
    let resetRequested: UnsafeMutablePointer<UnsafeAtomic<Bool>.Storage>
    /// Ports restarted after a PF reset, per port.
    public private(set) var resets: [Int]
    /// Seconds between attempts to bring back a port whose reset failed (its PF not back yet).
    public var resetRetryInterval: Double {
        get { retries.interval }
        set { retries.interval = newValue }
    }
    private var retries: ResetRetries
    /// The drivers' counters when the ports stopped for good.
    private var finalDeviceCounters: [DeviceCounters]?
    private var deviceTotals: DeviceCounterTotals
    private var closed = false
    private static let instances = ManagedAtomic<Int>(0)

    /// The EAL arguments for `config`: its `eal:` list (or `override`), each device once, and a
    /// per-process `--file-prefix` unless the user chose one, so concurrent runs never collide.
    /// Without either list: virtual devices run anywhere (no hugepages, no PCI bus); a PCI device
    /// (a VF) needs both, so the EAL's own defaults apply.
    public static func ealArguments(for config: ForwarderConfig, override: [String]? = nil) -> [String] {
        let hasPCIDevice = config.ports.contains { $0.device.isPCI }
        var arguments = override ?? config.eal ?? (hasPCIDevice ? [] : ["--no-huge", "-m", "512", "--no-pci"])
        if !arguments.contains(where: { $0.hasPrefix("--file-prefix") || $0 == "--in-memory" }) {
            arguments.append("--file-prefix=" + EAL.processFilePrefix)
            // A prefix of its own is never reused, so the hugepage files a killed process leaves
            // would stay reserved for good: unlink them once mapped, and the kernel frees the
            // pages when the process ends, however it ends.
            if !arguments.contains(where: { $0 == "--no-huge" || $0.hasPrefix("--huge-unlink") }) {
                arguments.append("--huge-unlink")
            }
        }
        // An explicit allow-list also keeps the EAL from probing every other PCI device.
        for port in config.ports { arguments += port.device.ealArguments }
        return arguments
    }

    /// The mbuf data room (headroom included) whose one segment holds a frame of `largestMTU`:
    /// Ethernet header, two tags and CRC around it, rounded up to a KiB, since ixgbe(vf) gives
    /// the NIC its buffer size in KiB, rounded down (SRRCTL.BSIZEPACKET), and scatters a frame
    /// over chained mbufs unless that holds MTU + 26 bytes (`ixgbevf_dev_rx_init`). A chain
    /// would reach TX ports whose vector path sends only its first segment and leaks the rest.
    public static func dataRoom(largestMTU: Int) -> Int {
        let frame = largestMTU + 14 + 8 + 4
        return max(Int(VF_MBUF_DEFAULT_BUF_SIZE), Int(VF_PKTMBUF_HEADROOM) + (frame + 1023) / 1024 * 1024)
    }

    /// Opens every port of `config` on an initialised EAL (not started yet).
    public init(config: ForwarderConfig) throws(DPDKError) {
        self.config = config
        var rxDescriptors = 0, txDescriptors = 0, largestMTU = 0
        for port in config.ports {
            rxDescriptors += port.rxQueues * port.rxDescriptors
            txDescriptors += port.txQueues * port.txDescriptors
            largestMTU = max(largestMTU, port.mtu)
        }
        let lcores = EAL.lcores
        // Room for every descriptor ring, a staged burst per lane and port, and per-lcore caches;
        // with a pool per node each gets it all, since its frames may wait in any port's TX ring.
        let buffers = rxDescriptors + txDescriptors + lcores.count * (config.ports.count + 1) * config.burst + lcores.count * 512 + 1024
        let dataRoom = Self.dataRoom(largestMTU: largestMTU)
        // A process may run several forwarders, one after another or side by side.
        let name = "vf-fwd-\(Self.instances.wrappingIncrementThenLoad(ordering: .relaxed))"
        var ids: [UInt16] = []
        for port in config.ports { ids.append(try EthPort.find(port.device)) }
        let portNodes = ids.map(rte_eth_dev_socket_id)
        // A virtual device has no node (SOCKET_ID_ANY): the main lcore's serves it.
        let nodes = portNodes.map { $0 >= 0 ? $0 : Int32(rte_socket_id()) }
        let poolNodes = nodes.reduce(into: [Int32]()) { if !$0.contains($1) { $0.append($1) } }
        var pools: [PacketPool] = []
        for (i, node) in poolNodes.enumerated() {
            pools.append(try PacketPool(name: i == 0 ? name : "\(name)-\(i)", count: buffers, dataRoom: dataRoom, socket: node))
        }
        self.pools = pools
        poolOfPort = nodes.map { poolNodes.firstIndex(of: $0)! }

        configurations = config.portConfigurations
        var ports: [EthPort] = []
        for (i, configuration) in configurations.enumerated() {
            ports.append(try EthPort(id: ids[i], configuration: configuration, pool: pools[poolOfPort[i]], name: config.ports[i].name))
        }
        self.ports = ports
        resets = Array(repeating: 0, count: ports.count)
        retries = ResetRetries(ports: ports.count)
        deviceTotals = DeviceCounterTotals(ports: ports.count)
        resetRequested = .allocate(capacity: ports.count)
        resetRequested.initialize(repeating: .init(false), count: ports.count)
        plan = ForwardingPlan(config: config, insertsTags: ports.map(\.insertsTags), stripsTags: ports.map(\.stripsTags))

        // With more than one lcore the main lcore only controls (timers, stats, PF resets), as in
        // dpdk-testpmd, VPP and OVS: printing stats can stall a core longer than an RX ring lasts at
        // line rate (1024 descriptors: 69 us at 14.88 Mpps). Lanes run on the other lcores. With
        // one lcore, it forwards and does the control work between bursts.
        let forwardingLcores = lcores.count > 1 ? Array(lcores.dropFirst()) : lcores
        // Each lane needs a TX queue of its own on every port.
        let rxPairs = config.receiveQueues
        let laneCount = max(1, min(forwardingLcores.count, config.ports.map(\.txQueues).min() ?? 1, rxPairs.count))
        var lanes: [ForwardingLane<EthPort>] = []
        for lane in 0..<laneCount {
            let mine = rxPairs.enumerated().filter { $0.offset % laneCount == lane }.map(\.element)
            lanes.append(ForwardingLane(plan: plan, ports: ports, rxPairs: mine, txQueue: UInt16(lane), burst: config.burst))
        }
        self.lanes = lanes
        laneLcores = Array(forwardingLcores.prefix(laneCount))
        numaWarnings = Self.numaWarnings(portNames: config.ports.map(\.name), portNodes: portNodes,
                                         lanes: zip(lanes, laneLcores).map { lane, lcore in
                                             (lcore: lcore, node: Int32(rte_lcore_to_socket_id(lcore)), ports: lane.receivePorts)
                                         })
        for i in ports.indices { registerForResets(port: i) }
    }

    /// Starts the ports, each receiving what its device allows: everything, or (an 82599 VF)
    /// its MACs, broadcast and multicast (`EthPort.reception`).
    public func start() throws(DPDKError) {
        for (port, portConfig) in zip(ports, config.ports) {
            try port.start(name: portConfig.name)
            port.widenReception()
        }
    }

    /// Forwards on every lane until `shouldStop` becomes true, calling `tick` on the main lcore
    /// (every millisecond, or between bursts when the main lcore forwards too); `tick` may request
    /// the stop. A PF reset pauses every lane while the port is reset, reconfigured and restarted.
    public func run(shouldStop: UnsafeAtomic<Bool>, tick: () -> Void) {
        let pause = UnsafeAtomic<Bool>.create(false)
        defer { pause.destroy() }
        let main = rte_get_main_lcore()
        func control() {
            if resetPending { pause.store(true, ordering: .relaxed) }
            deviceTotals.readIfDue { for port in ports { _ = port.deviceStats } }
            tick()
            if shouldStop.load(ordering: .relaxed) { pause.store(true, ordering: .relaxed) }
        }
        while !shouldStop.load(ordering: .relaxed) {
            pause.store(false, ordering: .relaxed)
            var contexts: [LaneContext] = []
            for (lane, lcore) in zip(lanes, laneLcores) where lcore != main {
                let context = LaneContext(lane: lane, pause: pause)
                contexts.append(context)
                rte_eal_remote_launch({ raw in
                    Unmanaged<LaneContext>.fromOpaque(raw!).takeUnretainedValue().run()
                    return 0
                }, Unmanaged.passUnretained(context).toOpaque(), lcore)
            }
            if laneLcores[0] == main {
                lanes[0].run(until: pause, tick: control)
            } else {
                while !pause.load(ordering: .relaxed) {
                    control()
                    usleep(1000)
                }
            }
            for lcore in laneLcores where lcore != main { rte_eal_wait_lcore(lcore) }
            withExtendedLifetime(contexts) {}
            recoverFromResets()
        }
    }

    /// ixgbevf raises RTE_ETH_EVENT_INTR_RESET when its PF resets (ixgbevf_mbx_process). A second
    /// registration of the same callback and argument is ignored.
    func registerForResets(port i: Int) {
        rte_eth_dev_callback_register(ports[i].id, RTE_ETH_EVENT_INTR_RESET, Self.onReset, resetRequested + i)
    }

    /// Runs on the EAL interrupt thread: only raises the port's flag.
    static let onReset: rte_eth_dev_cb_fn = { _, _, flag, _ in
        UnsafeAtomic<Bool>(at: flag!.assumingMemoryBound(to: UnsafeAtomic<Bool>.Storage.self)).store(true, ordering: .releasing)
        return 0
    }

    /// Resets `port` as a PF reset would: at the next control step the lanes pause and the port is
    /// stopped, reset, set up again and restarted. For a port that must be re-initialised for
    /// another reason than the event (the library's users' own recovery; tests).
    public func requestReset(port: Int) {
        UnsafeAtomic<Bool>(at: resetRequested + port).store(true, ordering: .releasing)
    }

    /// Lines for the ports polled from an lcore on another NUMA node than theirs (one that
    /// does not know its node, a virtual device, never is).
    public static func numaWarnings(portNames: [String], portNodes: [Int32], lanes: [(lcore: UInt32, node: Int32, ports: [Int])]) -> [String] {
        lanes.flatMap { lane in
            lane.ports.filter { portNodes[$0] >= 0 && portNodes[$0] != lane.node }.map { port in
                "port \(portNames[port]) is on NUMA node \(portNodes[port]) but polled from lcore \(lane.lcore) on node \(lane.node): "
                    + "every frame crosses between the nodes; give `-l` lcores of node \(portNodes[port])"
            }
        }
    }

    /// Closes the ports if `shutdown` was not called, then returns the pools' memory to the EAL.
    deinit {
        try? shutdown()
        for pool in pools { rte_mempool_free(pool.pointer) }
        resetRequested.deallocate()
    }

    var resetPending: Bool {
        let now = monotonicNanoseconds()
        return ports.indices.contains {
            UnsafeAtomic<Bool>(at: resetRequested + $0).load(ordering: .acquiring) || retries.isDue($0, now: now)
        }
    }

    /// What ixgbevf requires after RTE_ETH_EVENT_INTR_RESET: stop, `rte_eth_dev_reset`,
    /// configure and set up the queues again, start. Lanes are paused meanwhile. A PMD without a
    /// reset operation (virtual devices) is re-initialised by the stop, configure and start alone.
    /// The reset fails while the PF is not back (ixgbevf's init gets no answer on the mailbox,
    /// as during a PF driver reload): the port stays down, its frames unreceived, and the reset
    /// is tried again every `resetRetryInterval` until it succeeds.
    func recoverFromResets() {
        let now = monotonicNanoseconds()
        for (i, port) in ports.enumerated() {
            let requested = UnsafeAtomic<Bool>(at: resetRequested + i).exchange(false, ordering: .acquiring)
            let retrying = retries.isRetrying(i)
            guard requested || retries.isDue(i, now: now) else { continue }
            if !retrying {
                _ = rte_eth_dev_stop(port.id)
                deviceTotals.carryOver(port: i, port.deviceStats)
            }
            let name = config.ports[i].name
            do {
                let reset = rte_eth_dev_reset(port.id)
                if reset != -ENOTSUP { try check(reset, "resetting port \(name)") }
                _ = try EthPort(id: port.id, configuration: configurations[i], pool: pools[poolOfPort[i]], name: name)
                // ixgbevf's counters restart at zero after a reset; other PMDs' are made to, before
                // the start, so that none of the frames the port receives from then is missed.
                _ = rte_eth_stats_reset(port.id)
                try port.start(name: name)
                port.widenReception()
                registerForResets(port: i)
                resets[i] += 1
                retries.succeeded(i)
                if retrying { fputs("vf-fwd: port \(name) is back after its reset\n", stderr) }
            } catch {
                if !retrying {
                    fputs("vf-fwd: port \(name) did not come back after a PF reset (\(error)); retrying every \(resetRetryInterval) s\n", stderr)
                }
                retries.failed(i, now: now)
            }
        }
    }

    public var counters: [PortCounters] { lanes.portCounters(ports: ports.count) }

    public var buffersInUse: Int { pools.reduce(0) { $0 + $1.inUseCount } }

    public var linksUp: [Bool] { ports.map(\.link.up) }

    public var portFacts: [PortFacts] {
        zip(ports, configurations).map { port, configuration in
            PortFacts(driver: port.driverName, mac: port.macAddress, addedMACs: port.addedMACAddresses,
                      stripsTags: port.stripsTags, insertsTags: port.insertsTags,
                      reception: port.reception, vlanFilter: port.filtersVLANs ? configuration.vlanFilter : [])
        }
    }

    /// The drivers' own counters over the whole run, PF resets included; after `shutdown`, as
    /// they were when the ports stopped.
    public var deviceStats: [DeviceCounters] {
        let current = finalDeviceCounters ?? ports.map(\.deviceStats)
        return current.indices.map { deviceTotals.total(port: $0, current: current[$0]) }
    }

    /// Stops and closes every port (the pcap PMD flushes its files on close). Lanes hold no
    /// frames between polls, so once they return nothing is in flight.
    public func shutdown() throws(DPDKError) {
        guard !closed else { return }
        closed = true
        for port in ports {
            // A cb_arg of (void *)-1 removes the callback whatever its argument.
            rte_eth_dev_callback_unregister(port.id, RTE_ETH_EVENT_INTR_RESET, Self.onReset, UnsafeMutableRawPointer(bitPattern: -1))
        }
        waitForTransmitsToSettle()
        for (port, configuration) in zip(ports, configurations) { port.discardFramesNotReceived(queues: configuration.rxQueues) }
        var firstError: DPDKError?
        for (port, portConfig) in zip(ports, config.ports) {
            do throws(DPDKError) { try port.stop(name: portConfig.name) } catch { firstError = firstError ?? error }
        }
        finalDeviceCounters = ports.map(\.deviceStats)
        for (port, portConfig) in zip(ports, config.ports) {
            do throws(DPDKError) { try port.close(name: portConfig.name) } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }
}

extension DPDKForwarder {
    /// A NIC sends from its TX descriptors after rte_eth_tx_burst returns, and stopping a port
    /// drops what it has not sent (ixgbevf_dev_stop disables the queues), frames vf-fwd counted
    /// as sent: wait until no port's transmit counter has moved for a millisecond, 100 ms at
    /// most (a port whose link is down sends nothing however long we wait).
    func waitForTransmitsToSettle() {
        let deadline = monotonicNanoseconds() + 100_000_000
        var sent = ports.map(\.deviceStats.opackets)
        repeat {
            usleep(1000)
            let now = ports.map(\.deviceStats.opackets)
            if now == sent { return }
            sent = now
        } while monotonicNanoseconds() < deadline
    }
}

/// What a worker lcore needs: its lane and the flag that ends its run (lane 0 raises it for a
/// stop or a port reset).
final class LaneContext {
    let lane: ForwardingLane<EthPort>
    let pause: UnsafeAtomic<Bool>

    init(lane: ForwardingLane<EthPort>, pause: UnsafeAtomic<Bool>) {
        self.lane = lane
        self.pause = pause
    }

    func run() { lane.run(until: pause) }
}
