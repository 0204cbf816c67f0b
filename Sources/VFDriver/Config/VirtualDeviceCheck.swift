import Foundation

extension DeviceString {
    /// Why the EAL may have refused to create this virtual device, from the arguments operators
    /// most often get wrong: a pcap PMD's input file or output directory, an interface name.
    /// The PMD logs its own reason, but only at a log level `--quiet` hides. Empty when none is found.
    public var argumentProblems: [String] {
        guard case .vdev(_, let arguments) = self else { return [] }
        let fm = FileManager.default
        var problems: [String] = []
        for item in arguments.split(separator: ",").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { continue }
            let (key, value) = (pair[0], pair[1])
            switch key {
            case "rx_pcap":
                if !fm.isReadableFile(atPath: value) {
                    problems.append("\(key) \(value): " + (fm.fileExists(atPath: value) ? "not readable" : "no such file"))
                }
            case "tx_pcap":
                let directory = (value as NSString).deletingLastPathComponent
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
