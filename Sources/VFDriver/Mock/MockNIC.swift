/// A mock 82599 PF with its VFs and one uplink. Like the real NIC's VEB (82599 datasheet, "Virtualization": VM-to-VM switching),
/// it switches VF-to-VF traffic internally by destination MAC and VLAN and sends the rest to
/// the uplink; broadcast and multicast reach every other VF that accepts them and the uplink.
public final class MockNIC {
    public let vfs: [MockVF]
    public let pool: MockPool
    /// Queues each VF gets, as a DPDK or Linux PF assigns them: fewer with more VFs.
    public let queuesPerVF: Int
    /// The PF's RSS key and hashed fields, which its VFs share.
    public var rss = MockRSS()
    /// The PF's own MTU (`ip link set PF mtu N`): a VF that starts with an MTU above 1500
    /// while this is 1500 or less receives nothing (`MockVF.receiveEnabled`).
    public var pfMTU = 1500
    /// Frames the PF sent on the wire and not yet drained, back to back, and where each ends.
    /// Written per frame by the switch: unchecked, as MockVF's data-path state (one thread drives
    /// a PF; `drainUplink`'s body writes elsewhere, never back into the switch).
    @exclusivity(unchecked) private var uplinkBytes: [UInt8] = []
    @exclusivity(unchecked) private var uplinkEnds: [Int] = []
    /// `vfs` unretained, for the switch and the uplink, which reach every VF per frame.
    private let vfRefs: [Unmanaged<MockVF>]
    private var vlanEntries: [UInt16: Int] = [:]
    /// MAC filter entries the VFs may add besides their own MACs: the receive address
    /// registers less the PF's and one per VF (Linux `ixgbe_alloc_vf_macvlans`:
    /// num_rar_entries - (IXGBE_MAX_PF_MACVLANS + 1 + num_vfs)).
    public let macFilterEntries: Int
    private var macEntriesInUse = 0

    /// A PF with `vfCount` VFs (1...63) sharing one pool of `poolSize` buffers of `dataRoom`
    /// bytes (jumbo frames need more than the default). Size it as for DPDK: a started VF holds a
    /// buffer on each of its RX descriptors, and its TX descriptors keep sent buffers until
    /// reclaimed. VF i has MAC 02:09:00:00:`number`:i (the PF assigns it; ixgbevf would
    /// otherwise pick a random one); PFs of one test or config take different numbers.
    public init(vfCount: Int, poolSize: Int = 8192, dataRoom: Int = 2048 + MockPool.headroom, number: UInt8 = 0) {
        precondition((1...Intel82599.maximumVFs).contains(vfCount), "an 82599 has at most \(Intel82599.maximumVFs) VFs")
        let pool = MockPool(size: poolSize, dataRoom: dataRoom)
        self.pool = pool
        queuesPerVF = Self.queuesPerVF(vfCount: vfCount)
        macFilterEntries = Intel82599.receiveAddressEntries - (15 + 1 + vfCount)
        vfs = (0..<vfCount).map { MockVF(index: $0, mac: [0x02, 0x09, 0, 0, number, UInt8($0)], pool: pool) }
        vfRefs = vfs.map { Unmanaged.passUnretained($0) }
        for vf in vfs { vf.nic = self }
    }

    /// Queues a PF gives each of `vfCount` VFs, as DPDK's PF does (`ixgbe_pf.c`: 2 with 32 VFs
    /// or more, 4 with 16 or more, else 8).
    public static func queuesPerVF(vfCount: Int) -> Int { vfCount >= 32 ? 2 : (vfCount >= 16 ? 4 : Intel82599.vfQueues) }

    /// A frame arrives on the uplink's wire.
    public func injectFromUplink(_ frame: [UInt8]) {
        frame.withUnsafeBytes { injectFromUplink($0) }
    }

    func injectFromUplink(_ frame: UnsafeRawBufferPointer) {
        for vf in vfRefs { _ = vf._withUnsafeGuaranteedRef { $0.arrive(frame) } }
    }

    /// How many frames may arrive from the uplink before one could find a VF's RX queue
    /// without a descriptor to fill (a VF not started takes none and has room for all).
    var receiveRoom: Int {
        vfs.reduce(Int.max) { room, vf in min(room, vf.receiveRoom) }
    }

    /// What the PF put on the wire since the last call.
    public func drainUplink() -> [[UInt8]] {
        var frames: [[UInt8]] = []
        drainUplink { frames.append([UInt8]($0)) }
        return frames
    }

    /// Passes what the PF put on the wire since the last call to `body`, frame by frame.
    func drainUplink(_ body: (UnsafeRawBufferPointer) -> Void) {
        uplinkBytes.withUnsafeBytes { bytes in
            var start = 0
            for end in uplinkEnds {
                body(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
                start = end
            }
        }
        uplinkBytes.removeAll(keepingCapacity: true)
        uplinkEnds.removeAll(keepingCapacity: true)
    }

    /// `ip link set PF vf N vlan X` (nil: none). The VF's own VLAN filters are dropped.
    public func setPortVLAN(_ vid: UInt16?, vf index: Int) {
        let vf = vfs[index]
        for v in vf.vlanFilter { try? vf.setVLANFilter(v, on: false) }
        vf.portVLAN = vid
    }

    /// Link down or up on every VF, with their link events.
    public func setLink(up: Bool) { vfs.forEach { $0.simulateLink(up: up) } }

    /// The PF resets: every VF raises a reset event and stops. With `stayingDown`, the PF is
    /// away (its driver reloading) and the VFs' resets fail until `bringPFBack()`.
    public func resetPF(stayingDown: Bool = false) { vfs.forEach { $0.simulatePFReset(pfReady: !stayingDown) } }

    /// The PF is back after `resetPF(stayingDown: true)`.
    public func bringPFBack() { vfs.forEach { $0.simulatePFReady() } }

    func claimVLANEntry(_ vid: UInt16) throws(MockError) {
        if vlanEntries[vid] == nil && vlanEntries.count >= Intel82599.vlanFilterEntries {
            throw .unsupported("the PF's \(Intel82599.vlanFilterEntries) VLAN filter entries are all in use")
        }
        vlanEntries[vid, default: 0] += 1
    }

    func claimMACEntry() throws(MockError) {
        guard macEntriesInUse < macFilterEntries else {
            throw .unsupported("the PF's \(macFilterEntries) MAC filter entries for VFs are all in use")
        }
        macEntriesInUse += 1
    }

    func releaseMACEntry() { macEntriesInUse -= 1 }

    func releaseVLANEntry(_ vid: UInt16) {
        vlanEntries[vid, default: 1] -= 1
        if vlanEntries[vid] == 0 { vlanEntries[vid] = nil }
    }

    /// The VEB: a frame a VF sent goes to the VF(s) it is for, or out of the uplink.
    func switchFrame(_ frame: UnsafeRawBufferPointer, from sender: MockVF) {
        // Padded before it leaves the VF, for the wire and the VEB alike; a frame a standalone
        // mock port sends to its `tx_pcap` is not, as DPDK's pcap PMD writes it as it is.
        guard frame.count < Intel82599.minimumFrame || sender.portVLAN != nil else { return switchWireFrame(frame, from: sender) }
        var bytes = [UInt8](frame)
        if bytes.count < Intel82599.minimumFrame { bytes += repeatElement(0, count: Intel82599.minimumFrame - bytes.count) }
        if let vid = sender.portVLAN {
            // The PF inserts the sender's port VLAN on the way out.
            bytes.insert(contentsOf: [0x81, 0x00, UInt8(vid >> 8), UInt8(vid & 0xff)], at: 12)
        }
        bytes.withUnsafeBytes { switchWireFrame($0, from: sender) }
    }

    /// A frame as it leaves the sender for the switch (padded, port VLAN inserted).
    private func switchWireFrame(_ frame: UnsafeRawBufferPointer, from sender: MockVF) {
        let destination = MACKey.at(0, in: frame)
        let flood = MACKey.isMulticast(destination)
        // A unicast frame a VF's filters select stays inside, even if that VF then loses it
        // (ring full, not started); one no VF selects leaves by the uplink.
        var selected = false
        for ref in vfRefs {
            ref._withUnsafeGuaranteedRef { vf in
                if vf !== sender && (flood || vf.hasUnicast(destination)) && vf.arrive(frame) != .notForThisVF { selected = true }
            }
        }
        if flood || !selected {
            uplinkBytes.append(contentsOf: frame)
            uplinkEnds.append(uplinkBytes.count)
        }
    }
}
