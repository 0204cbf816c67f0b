/// vf-fwd's configuration as a value (spec section 2), validated and with every port and rule
/// resolved to an index. Built by `ForwarderConfig.load(yaml:file:)`.
public struct ForwarderConfig: Equatable, Sendable {
    public var eal: [String]?
    public var ports: [PortConfig]
    public var rules: [Rule]
    public var burst: Int

    public init(eal: [String]? = nil, ports: [PortConfig], rules: [Rule], burst: Int = 32) {
        self.eal = eal
        self.ports = ports
        self.rules = rules
        self.burst = burst
    }

    /// True when every port is the pure-Swift mock: DPDK is then never initialised.
    public var isMockOnly: Bool { ports.allSatisfy { $0.device.isMock } }

    /// Ports no rule names, in or out: opened, yet all they receive is dropped as `no_rule` and
    /// nothing is sent on them. Legal, but rarely what was meant (a forgotten `bidirectional`).
    public var portsInNoRule: [String] {
        var named = [Bool](repeating: false, count: ports.count)
        for rule in rules {
            named[rule.inPort] = true
            named[rule.outPort] = true
        }
        return ports.indices.filter { !named[$0] }.map { ports[$0].name }
    }

    public static let inNoRuleWarning = "no rule names it: every frame it receives is dropped as no_rule, and nothing is sent on it"

    /// Per port, its out port when its only rule is `any`: a cross-connect, whose frames pass
    /// unparsed (spec section 4); nil otherwise.
    public var crossConnectTargets: [Int?] {
        var ruleCounts = [Int](repeating: 0, count: ports.count)
        var anyTargets = [Int?](repeating: nil, count: ports.count)
        for rule in rules {
            ruleCounts[rule.inPort] += 1
            if rule.match == .any { anyTargets[rule.inPort] = rule.outPort }
        }
        return ports.indices.map { ruleCounts[$0] == 1 ? anyTargets[$0] : nil }
    }

    /// The indices of the rules of each in port, in config order.
    var ruleIndicesByInPort: [[Int]] {
        var byPort = [[Int]](repeating: [], count: ports.count)
        for (index, rule) in rules.enumerated() { byPort[rule.inPort].append(index) }
        return byPort
    }

}

public struct PortConfig: Equatable, Sendable {
    public var name: String
    public var device: DeviceString
    public var rxQueues: Int = 1
    public var txQueues: Int = 1
    public var rxDescriptors: Int = 1024
    public var txDescriptors: Int = 1024
    /// L3 MTU: the bytes after the tag stack's ethertype (spec section 4).
    public var mtu: Int = 1500
    /// Use the NIC's VLAN strip (RX) and insert (TX) where `rte_eth_dev_info` offers them.
    public var vlanOffload: Bool = false
    /// Unicast MACs the port receives besides its own (`rte_eth_dev_mac_addr_add`): an 82599 VF
    /// cannot be promiscuous, so frames for hosts behind it need these entries at its PF.
    public var macAddresses: [[UInt8]] = []

    public init(name: String, device: DeviceString) {
        self.name = name
        self.device = device
    }
}

/// A tag stack as written in a rule: `untagged`, one VID or `[outer, inner]`.
public enum VLANStack: Equatable, Hashable, Sendable {
    case untagged
    case single(UInt16)
    case double(outer: UInt16, inner: UInt16)
}

public enum VLANMatch: Equatable, Hashable, Sendable {
    case exact(VLANStack)
    /// Every frame of the port that no exact rule matches; it leaves unchanged.
    case any
}

public struct Rule: Equatable, Sendable {
    public var inPort: Int
    public var match: VLANMatch
    public var outPort: Int
    /// nil when the frame leaves as it came: an `any` rule, or an `out` without `vlan`.
    public var output: VLANStack?

    public init(inPort: Int, match: VLANMatch, outPort: Int, output: VLANStack?) {
        self.inPort = inPort
        self.match = match
        self.outPort = outPort
        self.output = output
    }
}
