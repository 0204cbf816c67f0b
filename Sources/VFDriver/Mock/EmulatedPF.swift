/// An emulated 82599 PF of a vf-fwd config (`mock:pf=NAME`): its VFs are ports, and its uplink
/// takes the frames of `wire_rx_pcap` as if they arrived from the wire and sends what the PF
/// puts out to `wire_tx_pcap`, as it goes.
final class EmulatedPF {
    let name: String
    let nic: MockNIC
    private let arriving: PackedFrames
    private var next = 0
    /// Created with the device, as DPDK's pcap PMD creates its tx_pcap: a bad path fails
    /// before any frame.
    private let output: PcapWriter?

    init(name: String, nic: MockNIC, spec: MockDeviceSpec?) throws {
        self.name = name
        self.nic = nic
        arriving = try PackedFrames(path: spec?.wireRxPcap)
        output = try spec?.wireTxPcap.map { path throws(PcapFile.FormatError) in try PcapWriter(path: path, role: "wire_tx_pcap") }
    }

    /// Puts wire frames onto the PF while every RX queue of its VFs has room, so none is lost to
    /// a full ring while the lane keeps up; at most `limit` per call, so polling goes on. Then
    /// passes what the PF sent out to `wire_tx_pcap`, so the NIC never holds a run's worth.
    func feed(limit: Int) {
        var fed = 0
        while next < arriving.count, fed < limit {
            // A frame takes at most one descriptor of each VF (flooded, one per VF): as many as
            // the fullest queue has room for go on before the rings are looked at again.
            let room = min(nic.receiveRoom, limit - fed, arriving.count - next)
            if room == 0 { break }
            for i in next..<next + room { nic.injectFromUplink(arriving[i]) }
            next += room
            fed += room
        }
        passWireOutput()
    }

    /// Writes the rest of what the PF sent out (call after its VFs stopped, so their last
    /// frames are in).
    func writeWire() throws {
        passWireOutput()
        try output?.flush()
    }

    private func passWireOutput() {
        nic.drainUplink { frame in output?.append(frame, length: frame.count) }
    }
}
