/// An emulated 82599 PF of a vf-fwd config (`mock:pf=NAME`): its VFs are ports, and its uplink
/// takes the frames of `wire_rx_pcap` as if they arrived from the wire and keeps what the PF
/// sends out for `wire_tx_pcap`.
final class EmulatedPF {
    let name: String
    let nic: MockNIC
    private let arriving: [[UInt8]]
    private var next = 0
    private let output: String?

    init(name: String, nic: MockNIC, spec: MockDeviceSpec?) throws {
        self.name = name
        self.nic = nic
        arriving = try spec?.wireRxPcap.map(PcapFile.read) ?? []
        output = spec?.wireTxPcap
        // As DPDK's pcap PMD creates its tx_pcap at start: a bad path fails before any frame.
        if let output { try PcapFile.write([], to: output) }
    }

    /// Puts wire frames onto the PF while every RX queue of its VFs has room, so none is lost to
    /// a full ring while the lane keeps up; at most `limit` per call, so polling goes on.
    func feed(limit: Int) {
        var fed = 0
        while next < arriving.count, fed < limit, nic.vfs.allSatisfy(\.mayFillEveryReceiveQueue) {
            nic.injectFromUplink(arriving[next])
            next += 1
            fed += 1
        }
    }

    /// Writes what the PF sent out (call after its VFs stopped, so their last frames are in):
    /// the NIC keeps it all until drained.
    func writeWire() throws {
        let sent = nic.drainUplink()
        if let output { try PcapFile.write(sent, to: output) }
    }
}
