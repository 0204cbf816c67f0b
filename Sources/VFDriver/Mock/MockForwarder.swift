import Atomics

/// Runs a config whose ports are all `mock:` devices: no EAL, no hugepages, no root. A port is
/// a standalone mock VF, or a VF of an emulated PF (`pf=NAME`, `MockDeviceSpec`); one lane
/// forwards on the calling thread. Like vf-fwd on DPDK, it handles the VF's events: after a PF
/// reset it resets, reconfigures and restarts the port.
public final class MockForwarder: Forwarder {
    public let config: ForwarderConfig
    /// The standalone VFs' buffers; an emulated PF's VFs share the PF's pool.
    public let pool: MockPool
    public let vfs: [MockVF]
    let pfs: [EmulatedPF]
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

    public init(config: ForwarderConfig) throws {
        self.config = config
        let specs = try config.ports.map { port in
            guard let spec = port.device.mockSpec else { throw MockError.unsupported("port \(port.name) is not a mock device") }
            return spec
        }
        if let problem = config.mockPoolProblem { throw MockError.outOfBuffers(problem) }
        let (poolSize, dataRoom) = config.mockPool
        pool = MockPool(size: poolSize, dataRoom: dataRoom)
        // Each emulated PF, in the order the config first names it, with its VFs in port order.
        var pfs: [EmulatedPF] = []
        for name in specs.compactMap(\.pf) where !pfs.contains(where: { $0.name == name }) {
            let members = specs.filter { $0.pf == name }
            let nic = MockNIC(vfCount: members.count, poolSize: poolSize, dataRoom: dataRoom, number: UInt8(truncatingIfNeeded: pfs.count + 1))
            pfs.append(try EmulatedPF(name: name, nic: nic, spec: members.first(where: \.namesWire)))
        }
        self.pfs = pfs
        var vfs: [MockVF] = []
        for (index, (spec, configuration)) in zip(specs, config.portConfigurations).enumerated() {
            let vf: MockVF
            if let name = spec.pf, let pf = pfs.first(where: { $0.name == name }) {
                vf = pf.nic.vfs[specs[..<index].filter { $0.pf == name }.count]
                // Set up at the PF as "Running on a real 82599 VF" asks: it may forward others'
                // frames and receive every multicast group.
                vf.trusted = true
                vf.spoofCheck = false
            } else {
                vf = try MockVF(rxPcap: spec.rxPcap, txPcap: spec.txPcap, infiniteRx: spec.infiniteRx, index: index, pool: pool)
            }
            do throws(MockError) { try vf.configure(configuration) } catch { throw error.naming(port: config.ports[index].name) }
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
        for vf in vfs {
            try vf.start()
            vf.setAllMulticast(true)
        }
    }

    /// Forwards until `shouldStop`; `tick` runs every 64 polls, after the ports' events.
    public func run(shouldStop: UnsafeAtomic<Bool>, tick: () -> Void) {
        lane.run(until: shouldStop) {
            handleEvents()
            // 64 polls drain up to 64 bursts per queue since the last call.
            for pf in pfs { pf.feed(limit: 64 * config.burst) }
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
                vf.setAllMulticast(true)
                resets[i] += 1
                retries.succeeded(i)
            } catch {
                retries.failed(i, now: now)
            }
        }
    }

    public var counters: [PortCounters] { [lane].portCounters(ports: vfs.count) }

    public var buffersInUse: Int { pfs.reduce(pool.inUseCount) { $0 + $1.nic.pool.inUseCount } }

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

    /// Stops every port (frames in TX rings go out), writes `tx_pcap` and `wire_tx_pcap`
    /// files, releases rings.
    public func shutdown() throws {
        for vf in vfs { vf.stop() }
        for pf in pfs { try pf.writeWire() }
        for vf in vfs {
            try vf.flushCapture()
            vf.close()
        }
    }
}
