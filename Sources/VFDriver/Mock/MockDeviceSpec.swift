/// A `mock:` device string's keys. A standalone VF (spec section 3) takes `rx_pcap`, `tx_pcap`
/// and `infinite_rx`. A VF of an emulated 82599 PF names it with `pf=NAME`: the ports naming
/// one PF are its VFs 0, 1, ... in config order; they reach each other through the PF's VEB
/// and the wire through its uplink, whose traffic one of them names: `wire_rx_pcap` (frames
/// arriving from the wire, through the PF's MAC, VLAN and size filters) and `wire_tx_pcap`
/// (frames the PF sent out, written when vf-fwd exits).
public struct MockDeviceSpec: Equatable, Sendable {
    public var rxPcap: String?
    public var txPcap: String?
    public var infiniteRx = false
    public var pf: String?
    public var wireRxPcap: String?
    public var wireTxPcap: String?

    public static let keys = ["rx_pcap", "tx_pcap", "infinite_rx", "pf", "wire_rx_pcap", "wire_tx_pcap"]

    /// Fails with what is wrong, for the config loader to report at the device's line.
    public init(_ parameters: [(key: String, value: String)]) throws(MockError) {
        for (key, value) in parameters {
            switch key {
            case "rx_pcap": rxPcap = value
            case "tx_pcap": txPcap = value
            case "infinite_rx": infiniteRx = value == "1"
            case "pf": pf = value
            case "wire_rx_pcap": wireRxPcap = value
            case "wire_tx_pcap": wireTxPcap = value
            default: throw .unsupported("unknown mock parameter '\(key)' (known: \(Self.keys.joined(separator: ", ")))")
            }
        }
        if pf == nil, wireRxPcap != nil || wireTxPcap != nil {
            throw .unsupported("wire_rx_pcap and wire_tx_pcap belong to an emulated PF: add pf=NAME")
        }
        if pf != nil, rxPcap != nil || txPcap != nil || infiniteRx {
            throw .unsupported("a VF of an emulated PF (pf=) receives from the PF's wire and its other VFs: "
                               + "use wire_rx_pcap/wire_tx_pcap, not rx_pcap/tx_pcap")
        }
    }

    /// Names the PF's wire traffic.
    var namesWire: Bool { wireRxPcap != nil || wireTxPcap != nil }
}
