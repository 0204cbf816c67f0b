/// A port's `device:` (spec section 3): written once by the user, turned into the EAL
/// argument that makes the device appear.
public enum DeviceString: Equatable, Sendable {
    /// `0000:03:10.0`: added to the EAL allow-list (`-a`).
    case pci(String)
    /// `net_pcap0,rx_pcap=...`: passed as `--vdev`; `name` is the ethdev name before the comma.
    case vdev(name: String, arguments: String)
    /// `mock:rx_pcap=a.pcap,tx_pcap=b.pcap`: the pure-Swift mock VF.
    case mock(parameters: [(key: String, value: String)])

    public init?(_ text: String) {
        if text.hasPrefix("mock:") || text == "mock" {
            var parameters: [(String, String)] = []
            for item in text.dropFirst(5).split(separator: ",") {
                guard let eq = item.firstIndex(of: "=") else { return nil }
                parameters.append((String(item[..<eq]), String(item[item.index(after: eq)...])))
            }
            self = .mock(parameters: parameters)
        } else if DeviceString.isPCIAddress(text) {
            self = .pci(text)
        } else if let first = text.first, first.isLetter, !text.contains(" ") {
            let name = text.split(separator: ",", maxSplits: 1).first.map(String.init) ?? text
            self = .vdev(name: name, arguments: text)
        } else {
            return nil
        }
    }

    /// `DDDD:BB:DD.F` or the short `BB:DD.F`, hexadecimal.
    static func isPCIAddress(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else { return false }
        let hex = { (s: Substring, n: Int) in s.count == n && s.allSatisfy(\.isHexDigit) }
        if parts.count == 3 && !hex(parts[0], 4) { return false }
        let bus = parts[parts.count - 2]
        let devfn = parts[parts.count - 1].split(separator: ".", omittingEmptySubsequences: false)
        return hex(bus, 2) && devfn.count == 2 && hex(devfn[0], 2) && hex(devfn[1], 1)
    }

    public var isMock: Bool { if case .mock = self { true } else { false } }
    public var isPCI: Bool { if case .pci = self { true } else { false } }

    /// Whether the device may deliver a frame longer than one buffer as a chain: DPDK's pcap,
    /// ring, tap and memif PMDs do, and so does a standalone mock VF reading `rx_pcap`, as the
    /// pcap PMD would. A NIC's RX (an 82599 VF, a VF of an emulated PF) does not, with buffers
    /// for its MTU (`DPDKForwarder.dataRoom`).
    public var deliversChains: Bool {
        switch self {
        case .pci: false
        case .vdev: true
        case .mock: mockSpec.map { $0.pf == nil && $0.rxPcap != nil } ?? false
        }
    }

    /// A `mock:` device's keys; nil for other devices and for keys the loader refuses.
    public var mockSpec: MockDeviceSpec? {
        guard case .mock(let parameters) = self else { return nil }
        return try? MockDeviceSpec(parameters)
    }

    /// The EAL arguments that make this device exist.
    public var ealArguments: [String] {
        switch self {
        case .pci(let address): ["-a", address]
        case .vdev(_, let arguments): ["--vdev", arguments]
        case .mock: []
        }
    }

    /// The name `rte_eth_dev_get_port_by_name` knows the device by.
    public var ethdevName: String {
        switch self {
        case .pci(let address): address.count == 7 ? "0000:" + address : address
        case .vdev(let name, _): name
        case .mock: "mock"
        }
    }

    public static func == (lhs: DeviceString, rhs: DeviceString) -> Bool {
        switch (lhs, rhs) {
        case (.pci(let a), .pci(let b)): a == b
        case (.vdev(let a, let x), .vdev(let b, let y)): a == b && x == y
        case (.mock(let a), .mock(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        default: false
        }
    }
}
