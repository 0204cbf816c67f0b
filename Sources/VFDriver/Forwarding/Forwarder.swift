import Atomics

/// A running config: DPDK ethdev ports (`DPDKForwarder`) or mock VFs (`MockForwarder`).
/// vf-fwd drives either the same way: start, run until stopped, shut down, report.
public protocol Forwarder: AnyObject {
    var config: ForwarderConfig { get }
    func start() throws
    /// Forwards until `shouldStop`; `tick` runs every 64 polls of the first lane.
    func run(shouldStop: UnsafeAtomic<Bool>, tick: () -> Void)
    /// Stops and closes every port; frames still held are sent or freed.
    func shutdown() throws
    /// What vf-fwd counted per port, summed over lanes.
    var counters: [PortCounters] { get }
    /// The drivers' own counters per port.
    var deviceStats: [DeviceCounters] { get }
    /// Packet buffers not in their pool; 0 once shut down, or one was lost.
    var buffersInUse: Int { get }
    /// Per port, whether its link is up now (a VF's follows its PF's).
    var linksUp: [Bool] { get }
    /// Per port, what it is: driver, MAC, the VLAN offloads in use.
    var portFacts: [PortFacts] { get }
}

/// What an operator wants to see of a port at start.
public struct PortFacts: Equatable, Sendable {
    public var driver: String
    public var mac: String
    /// MACs it receives besides its own (`mac-addresses`).
    public var addedMACs: [String]
    public var stripsTags: Bool
    public var insertsTags: Bool
    /// Which frames reach it.
    public var reception: Reception
    /// The VIDs in its VLAN filter, where its PF lets in only those tagged frames.
    public var vlanFilter: [UInt16]

    public init(driver: String, mac: String, addedMACs: [String], stripsTags: Bool, insertsTags: Bool, reception: Reception,
                vlanFilter: [UInt16]) {
        self.driver = driver
        self.mac = mac
        self.addedMACs = addedMACs
        self.stripsTags = stripsTags
        self.insertsTags = insertsTags
        self.reception = reception
        self.vlanFilter = vlanFilter
    }

    /// `02:09:00:00:00:01`
    static func macText(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef")
        return bytes.map { String([digits[Int($0 >> 4)], digits[Int($0 & 15)]]) }.joined(separator: ":")
    }

    /// What reaches a port, by destination MAC.
    public enum Reception: Equatable, Sendable {
        /// Promiscuous: every frame.
        case everything
        /// Its MACs, broadcast and every multicast group (an 82599 VF its PF trusts).
        case ownAndMulticast
        /// Its MACs, broadcast and the multicast groups it joined (an untrusted 82599 VF).
        case ownAndJoinedGroups
    }

    /// "net_ixgbe_vf, MAC 02:09:00:00:00:01 and 02:00:5e:10:00:01, VLAN strip and insert in
    /// the NIC, receives only its MACs, broadcast and multicast, VLAN filter 1 1001"
    public var description: String {
        let offloads = [stripsTags ? "strip" : nil, insertsTags ? "insert" : nil].compactMap { $0 }
        let own = addedMACs.isEmpty ? "its MAC" : "its MACs"
        let receives = switch reception {
        case .everything: ""
        case .ownAndMulticast: ", receives only \(own), broadcast and multicast"
        case .ownAndJoinedGroups: ", receives only \(own), broadcast and joined multicast groups"
        }
        return "\(driver), MAC " + ([mac] + addedMACs).joined(separator: " and ")
            + (offloads.isEmpty ? "" : ", VLAN \(offloads.joined(separator: " and ")) in the NIC") + receives
            + (vlanFilter.isEmpty ? "" : ", VLAN filter " + vlanFilter.map(String.init).joined(separator: " "))
    }
}

extension ForwarderConfig {
    /// The (port, RX queue) pairs lanes poll: every queue of every port. A port with no rule of
    /// its own is polled too: what arrives there is received and dropped as `no_rule` (spec
    /// section 5), not left to fill the RX ring and vanish into the device's `imissed`.
    public var receiveQueues: [(port: Int, queue: UInt16)] {
        ports.indices.flatMap { port in (0..<ports[port].rxQueues).map { (port, UInt16($0)) } }
    }
}

extension Array {
    /// Per port, the sum of what these lanes counted.
    func portCounters<P: PacketPort>(ports: Int) -> [PortCounters] where Element == ForwardingLane<P> {
        (0..<ports).map { port in
            var total = PortCounters()
            for lane in self { lane.counters.read(port: port, into: &total) }
            return total
        }
    }
}
