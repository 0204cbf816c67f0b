import Foundation

extension DeviceString {
    /// Why the EAL may refuse to create this virtual device (or the mock this mock device), from
    /// the arguments operators most often get wrong: a pcap input file or output directory, an
    /// interface name. The PMD logs its own reason, but only at a log level `--quiet` hides.
    /// Empty when none is found.
    public var argumentProblems: [String] {
        let parameters: [(key: String, value: String)]
        switch self {
        case .vdev(_, let arguments):
            parameters = arguments.split(separator: ",").dropFirst().compactMap { item in
                let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
                return pair.count == 2 ? (pair[0], pair[1]) : nil
            }
        case .mock(let mockParameters):
            parameters = mockParameters
        case .pci:
            return []
        }
        let fm = FileManager.default
        var problems: [String] = []
        for (key, value) in parameters {
            switch key {
            case "rx_pcap", "wire_rx_pcap":
                if !fm.isReadableFile(atPath: value) {
                    problems.append("\(key) \(value): " + (fm.fileExists(atPath: value) ? "not readable" : "no such file"))
                }
            case "tx_pcap", "wire_tx_pcap":
                let directory = parentDirectory(of: value)
                if !directory.isEmpty && !fm.fileExists(atPath: directory) {
                    problems.append("\(key) \(value): no directory \(directory)")
                }
            case "iface", "rx_iface", "tx_iface", "rx_iface_in":
                if !fm.fileExists(atPath: "/sys/class/net/\(value)") {
                    problems.append("\(key) \(value): no such network interface (`ip link` lists them)")
                }
            default:
                continue
            }
        }
        return problems
    }
}
