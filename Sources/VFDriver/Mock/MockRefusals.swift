extension ForwarderConfig {
    /// What the mock ports would refuse at `run`, as 82599 VFs would, so `check` can say so
    /// first: queues, rings and MTU outside a VF's limits (`MockVF.configurationProblem`), and
    /// more VIDs on one emulated PF's VFs than its shared VLAN filter entries.
    public var mockRefusals: [(port: String, warning: String)] {
        var refusals: [(port: String, warning: String)] = []
        let specs = ports.map { $0.device.mockSpec }
        var pfs: [String: (firstPort: String, vfCount: Int, vids: Set<UInt16>)] = [:]
        for (index, spec) in specs.enumerated() {
            guard let pf = spec?.pf else { continue }
            pfs[pf, default: (ports[index].name, 0, [])].vfCount += 1
            pfs[pf]!.vids.formUnion(vlanFilter(port: index))
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
}
