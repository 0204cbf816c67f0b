import Atomics

/// Runs a config whose ports are all `mock:` devices: no EAL, no hugepages, no root. Each port
/// is a standalone mock VF; one lane forwards on the calling thread. Like vf-fwd on DPDK, it
/// handles the VF's events: after a PF reset it resets, reconfigures and restarts the port.
public final class MockForwarder: Forwarder {
    public let config: ForwarderConfig
    public let pool: MockPool
    public let vfs: [MockVF]
    public let plan: ForwardingPlan
    public let lane: ForwardingLane<MockPort>
    let configurations: [PortConfiguration]
    /// Ports restarted after a PF reset, per port.
    public private(set) var resets: [Int]
    /// Seconds between attempts to bring back a VF whose reset failed.
    public var resetRetryInterval: Double {
        get { retries.interval }
        set { retries.interval = newValue }
    }
    private var retries: ResetRetries
    private var deviceTotals: DeviceCounterTotals

    /// Keys a `mock:` device accepts (checked when the config is loaded).
    public static let parameters = ["rx_pcap", "tx_pcap", "infinite_rx"]

    public init(config: ForwarderConfig) throws {
        self.config = config
        let descriptors = config.ports.reduce(0) { $0 + $1.rxQueues * $1.rxDescriptors + $1.txQueues * $1.txDescriptors }
        let largestMTU = config.ports.map(\.mtu).max() ?? 1500
        pool = MockPool(size: descriptors + (config.ports.count + 1) * config.burst + 1024,
                        dataRoom: max(2048 + MockPool.headroom, MockPool.headroom + largestMTU + MockVF.frameOverhead))
        var vfs: [MockVF] = []
        for (index, (port, configuration)) in zip(config.ports, config.portConfigurations).enumerated() {
            guard case .mock(let parameters) = port.device else { throw MockError.unsupported("port \(port.name) is not a mock device") }
            // The config loader has checked the keys.
            let values = Dictionary(parameters.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
            let vf = try MockVF(rxPcap: values["rx_pcap"], txPcap: values["tx_pcap"], infiniteRx: values["infinite_rx"] == "1",
                                index: index, pool: pool)
            try vf.configure(configuration)
            vfs.append(vf)
        }
        self.vfs = vfs
        configurations = vfs.map(\.configuration)
        resets = Array(repeating: 0, count: vfs.count)
        retries = ResetRetries(ports: vfs.count)
        deviceTotals = DeviceCounterTotals(ports: vfs.count)
        plan = ForwardingPlan(config: config, insertsTags: configurations.map(\.vlanInsert), stripsTags: configurations.map(\.vlanStrip))
        lane = ForwardingLane(plan: plan, ports: vfs.map(\.port), rxPairs: config.receiveQueues, txQueue: 0, burst: config.burst)
    }

    public func start() throws {
        for vf in vfs { try vf.start() }
    }

    /// Forwards until `shouldStop`; `tick` runs every 64 polls, after the ports' events.
    public func run(shouldStop: UnsafeAtomic<Bool>, tick: () -> Void) {
        lane.run(until: shouldStop) {
            handleEvents()
            deviceTotals.readIfDue { for vf in vfs { _ = vf.counters } }
            tick()
        }
    }

    /// A PF reset stops a VF until it is reset, reconfigured and started (ixgbevf's contract).
    /// A reset that fails (the PF not back yet) is tried again every `resetRetryInterval`, as
    /// `DPDKForwarder` does; meanwhile the VF moves no frame.
    public func handleEvents() {
        let now = monotonicNanoseconds()
        for (i, vf) in vfs.enumerated() {
            let raised = vf.takeEvents().contains(.reset)
            let retrying = retries.isRetrying(i)
            guard raised || retries.isDue(i, now: now) else { continue }
            // A VF whose reset failed counted nothing since: its counters were carried over once.
            if !retrying { deviceTotals.carryOver(port: i, vf.deviceCounters) }
            do throws(MockError) {
                try vf.reset()
                try vf.configure(configurations[i])
                try vf.start()
                resets[i] += 1
                retries.succeeded(i)
            } catch {
                retries.failed(i, now: now)
            }
        }
    }

    public var counters: [PortCounters] { [lane].portCounters(ports: vfs.count) }

    public var buffersInUse: Int { pool.inUseCount }

    public var linksUp: [Bool] { vfs.map(\.linkUp) }

    public var portFacts: [PortFacts] {
        vfs.map { vf in
            PortFacts(driver: "mock 82599 VF", mac: PortFacts.macText(vf.mac), addedMACs: vf.addedMACs.map { PortFacts.macText($0) },
                      stripsTags: vf.configuration.vlanStrip, insertsTags: vf.configuration.vlanInsert,
                      reception: vf.reception, vlanFilter: vf.promiscuous ? [] : vf.vlanFilter.sorted())
        }
    }

    /// The VFs' own counters over the whole run, PF resets included.
    public var deviceStats: [DeviceCounters] {
        vfs.indices.map { deviceTotals.total(port: $0, current: vfs[$0].deviceCounters) }
    }

    /// Stops every port (frames in TX rings go out), writes `tx_pcap` files, releases rings.
    public func shutdown() throws {
        for vf in vfs { vf.stop() }
        for vf in vfs {
            try vf.flushCapture()
            vf.close()
        }
    }
}
