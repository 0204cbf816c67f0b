import Foundation

extension ForwarderConfig {
    /// What the mock ports would refuse at `run`, as 82599 VFs would, so `check` can say so
    /// first: queues, rings and MTU outside a VF's limits (`MockVF.configurationProblem`), and
    /// more VIDs on one emulated PF's VFs than its shared VLAN filter entries.
    public var mockRefusals: [(port: String, warning: String)] {
        var refusals: [(port: String, warning: String)] = []
        let specs = ports.map { $0.device.mockSpec }
        var pfs: [String: (firstPort: String, vfCount: Int, vids: Set<UInt16>)] = [:]
        let vlanFilters = vlanFilters
        for (index, spec) in specs.enumerated() {
            guard let pf = spec?.pf else { continue }
            pfs[pf, default: (ports[index].name, 0, [])].vfCount += 1
            pfs[pf]!.vids.formUnion(vlanFilters[index])
        }
        for (index, (spec, configuration)) in zip(specs, portConfigurations).enumerated() {
            guard let spec else { continue }
            let maxQueues = spec.pf.map { MockNIC.queuesPerVF(vfCount: pfs[$0]!.vfCount) } ?? Intel82599.vfQueues
            if let problem = MockVF.configurationProblem(configuration, maxQueues: maxQueues) { refusals.append((ports[index].name, problem)) }
        }
        for (pf, need) in pfs.sorted(by: { $0.key < $1.key }) {
            if let shortage = Intel82599.vlanFilterShortage(vids: need.vids.count, pf: "emulated PF \(pf)") { refusals.append((need.firstPort, shortage)) }
        }
        return refusals
    }

    /// The one buffer pool of a config's mock ports: a buffer for every RX and TX descriptor,
    /// a burst per port in flight and slack, each with room for the largest MTU.
    var mockPool: (buffers: Int, dataRoom: Int) {
        let descriptors = ports.reduce(0) { $0 + $1.rxQueues * $1.rxDescriptors + $1.txQueues * $1.txDescriptors }
        let largestMTU = ports.map(\.mtu).max() ?? 1500
        return (descriptors + (ports.count + 1) * burst + 1024,
                max(2048 + MockPool.headroom, MockPool.headroom + largestMTU + MockVF.frameOverhead))
    }

    /// Why the mock ports' pool cannot be made on this machine, or nil. Making it writes every
    /// buffer's header, so all of it becomes resident: one over half the machine's memory is
    /// refused rather than left to die in the allocation.
    public var mockPoolProblem: String? {
        let (buffers, dataRoom) = mockPool
        let bytes = buffers * (MockBuffer.headerBytes + dataRoom)
        let memory = sysconf(Int32(_SC_PHYS_PAGES)) * sysconf(Int32(_SC_PAGESIZE))
        guard bytes > memory / 2 else { return nil }
        let gib = { (bytes: Int) in String(format: "%.1f GiB", Double(bytes) / Double(1 << 30)) }
        return "the mock ports' \(buffers) buffers (one per RX and TX descriptor, and bursts in flight) would take \(gib(bytes)), more than half of this machine's \(gib(memory)); give the ports fewer queues or descriptors"
    }
}
