import Foundation

/// The end-of-run numbers of every port: the `--stats-json` document (spec section 6) and the
/// per-port table vf-fwd prints.
public struct StatsReport: Sendable {
    public struct Port: Sendable {
        public var name: String
        public var counters: PortCounters
        public var device: DeviceCounters

        public init(name: String, counters: PortCounters, device: DeviceCounters) {
            self.name = name
            self.counters = counters
            self.device = device
        }
    }

    public var durationSeconds: Double
    public var ports: [Port]

    public init(durationSeconds: Double, ports: [Port]) {
        self.durationSeconds = durationSeconds
        self.ports = ports
    }

    public var totalRx: UInt64 { ports.reduce(0) { $0 + $1.counters.rxPackets } }
    public var totalTx: UInt64 { ports.reduce(0) { $0 + $1.counters.txPackets } }
    public var totalDropped: UInt64 { ports.reduce(0) { $0 + $1.counters.dropped } }

    /// Keys in the spec's order, so diffs of two runs stay readable.
    public var json: String {
        var lines = ["{", "  \"duration_s\": \(fixed(durationSeconds, 3)),", "  \"ports\": {"]
        for (i, port) in ports.enumerated() {
            let c = port.counters, d = port.device
            let drops = DropReason.allCases.map { "\"\($0.key)\": \(c[$0])" }.joined(separator: ", ")
            lines.append("    \"\(port.name)\": {")
            lines.append("      \"rx_packets\": \(c.rxPackets), \"rx_bytes\": \(c.rxBytes), \"tx_packets\": \(c.txPackets), \"tx_bytes\": \(c.txBytes),")
            lines.append("      \"drops\": {\(drops)},")
            lines.append("      \"device\": {\"ipackets\": \(d.ipackets), \"opackets\": \(d.opackets), \"imissed\": \(d.imissed), \"ierrors\": \(d.ierrors),")
            lines.append("                 \"oerrors\": \(d.oerrors), \"rx_nombuf\": \(d.rxNoMbuf)}")
            lines.append("    }" + (i == ports.count - 1 ? "" : ","))
        }
        lines.append("  },")
        lines.append("  \"total\": {\"rx_packets\": \(totalRx), \"tx_packets\": \(totalTx), \"dropped\": \(totalDropped)}")
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// One row per port, then totals and the rates over the run.
    public var table: String {
        let headers = ["port", "rx_packets", "tx_packets", "malformed", "no_rule", "mtu", "tx_full", "imissed", "rx_nombuf"]
        var rows = ports.map { p in
            [p.name, "\(p.counters.rxPackets)", "\(p.counters.txPackets)"] + DropReason.allCases.map { "\(p.counters[$0])" }
                + ["\(p.device.imissed)", "\(p.device.rxNoMbuf)"]
        }
        rows.append(["total", "\(totalRx)", "\(totalTx)"] + DropReason.allCases.map { r in "\(ports.reduce(0) { $0 + $1.counters[r] })" } + ["", ""])
        let widths = headers.indices.map { col in ([headers] + rows).map { $0[col].count }.max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { col, cell in
                col == 0 ? cell.padding(toLength: widths[col], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[col] - cell.count) + cell
            }.joined(separator: "  ")
        }
        var text = ([headers] + rows).map(line).joined(separator: "\n") + "\n"
        if durationSeconds > 0 {
            text += "duration \(fixed(durationSeconds, 2)) s, rx \(fixed(Double(totalRx) / durationSeconds / 1e6, 3)) Mpps, tx \(fixed(Double(totalTx) / durationSeconds / 1e6, 3)) Mpps\n"
        }
        return text
    }
}

/// `value` with exactly `digits` decimals.
func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
