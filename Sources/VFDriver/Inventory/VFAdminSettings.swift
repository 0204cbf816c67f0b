import CDPDK
#if canImport(Glibc)
import Glibc
#endif

/// What a PF's kernel driver holds for one of its VFs, as `ip link set PF vf N ...` sets it
/// and `ip link show PF` prints it: read over rtnetlink (RTM_GETLINK with RTEXT_FILTER_VF).
public struct VFAdminSettings: Equatable, Sendable {
    public var vf: Int
    /// The MAC the PF gave the VF; nil when it gave none (all zero: ixgbevf picks a random one).
    public var mac: String?
    /// The port VLAN the PF tags and strips for the VF (`vlan N`); nil for none.
    public var portVLAN: Int?
    /// Anti-spoofing (`spoofchk`); nil when the driver does not say.
    public var spoofCheck: Bool?
    /// `trust`: on an 82599, all-multicast and MAC filters on an admin-set MAC need it.
    public var trust: Bool?

    public init(vf: Int, mac: String? = nil, portVLAN: Int? = nil, spoofCheck: Bool? = nil, trust: Bool? = nil) {
        self.vf = vf
        self.mac = mac
        self.portVLAN = portVLAN
        self.spoofCheck = spoofCheck
        self.trust = trust
    }

    /// The settings of every VF of network interface `name` (a PF); empty when it has none or
    /// the kernel does not answer.
    public static func read(interface name: String) -> [VFAdminSettings] {
        let index = if_nametoindex(name)
        guard index != 0 else { return [] }
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_ROUTE)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        // The kernel answers at once; a second is more than enough, and `list` never hangs.
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request = RouteNetlinkMessage(type: UInt16(RTM_GETLINK), flags: UInt16(NLM_F_REQUEST), interfaceIndex: Int32(index))
        request.appendAttribute(type: UInt16(IFLA_EXT_MASK), value: UInt32(RTEXT_FILTER_VF))
        guard request.bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.bytes.count else { return [] }
        // 63 VFs of a few hundred bytes each fit many times over.
        var reply = [UInt8](repeating: 0, count: 1 << 18)
        let n = reply.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return [] }
        return reply.withUnsafeBytes { parse(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
    }

    /// The VF settings in an RTM_NEWLINK reply: its IFLA_VFINFO_LIST, one IFLA_VF_INFO per VF.
    static func parse(_ reply: UnsafeRawBufferPointer) -> [VFAdminSettings] {
        var result: [VFAdminSettings] = []
        for message in NetlinkRecords(.messages, in: reply) where message.type == RTM_NEWLINK {
            let headerBytes = MemoryLayout<ifinfomsg>.size
            guard message.payload.count >= headerBytes else { continue }
            let attributes = UnsafeRawBufferPointer(rebasing: message.payload[headerBytes...])
            for list in NetlinkRecords(.attributes, in: attributes) where list.type == IFLA_VFINFO_LIST {
                for info in NetlinkRecords(.attributes, in: list.payload) where info.type == IFLA_VF_INFO {
                    if let settings = settings(of: info.payload) { result.append(settings) }
                }
            }
        }
        return result.sorted { $0.vf < $1.vf }
    }

    /// One IFLA_VF_INFO. The attributes read here are structs whose first word is the VF's
    /// index (`struct ifla_vf_mac`, `ifla_vf_vlan`, `ifla_vf_spoofchk`, `ifla_vf_trust`); the
    /// others, nested ones among them, are skipped.
    static func settings(of info: UnsafeRawBufferPointer) -> VFAdminSettings? {
        var settings: VFAdminSettings?
        for attribute in NetlinkRecords(.attributes, in: info) {
            let p = attribute.payload
            func word(_ i: Int) -> UInt32? { p.count >= 4 * (i + 1) ? p.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self) : nil }
            // (__u32)-1 says the driver does not support the setting.
            func flag(_ value: UInt32?) -> Bool? { value.flatMap { $0 == UInt32.max ? nil : $0 != 0 } }
            let type = Int32(attribute.type)
            guard [IFLA_VF_MAC, IFLA_VF_VLAN, IFLA_VF_SPOOFCHK, IFLA_VF_TRUST].map(Int32.init).contains(type),
                  let vf = word(0), let value = word(1) else { continue }
            if settings == nil { settings = VFAdminSettings(vf: Int(vf)) }
            switch type {
            case Int32(IFLA_VF_MAC):
                let mac = Array(p[4..<min(10, p.count)])
                settings?.mac = mac.count < 6 || mac.allSatisfy { $0 == 0 } ? nil : PortFacts.macText(mac)
            case Int32(IFLA_VF_VLAN):
                settings?.portVLAN = value == 0 ? nil : Int(value)
            case Int32(IFLA_VF_SPOOFCHK):
                settings?.spoofCheck = flag(value)
            default:
                settings?.trust = flag(value)
            }
        }
        return settings
    }
}
