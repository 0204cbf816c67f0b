import CDPDK

/// A netlink request: `struct nlmsghdr`, `struct ifinfomsg`, then attributes, each aligned to
/// 4 bytes (linux/netlink.h NLMSG_ALIGN, RTA_ALIGN).
struct RouteNetlinkMessage {
    private(set) var bytes: [UInt8] = []

    init(type: UInt16, flags: UInt16, interfaceIndex: Int32) {
        var header = nlmsghdr()
        header.nlmsg_type = type
        header.nlmsg_flags = flags
        header.nlmsg_seq = 1
        var info = ifinfomsg()
        info.ifi_index = interfaceIndex
        withUnsafeBytes(of: header) { bytes += $0 }
        withUnsafeBytes(of: info) { bytes += $0 }
        updateLength()
    }

    mutating func appendAttribute(type: UInt16, value: UInt32) {
        var attribute = rtattr()
        attribute.rta_type = type
        attribute.rta_len = UInt16(MemoryLayout<rtattr>.size + 4)
        withUnsafeBytes(of: attribute) { bytes += $0 }
        withUnsafeBytes(of: value) { bytes += $0 }
        updateLength()
    }

    private mutating func updateLength() {
        withUnsafeBytes(of: UInt32(bytes.count)) { bytes.replaceSubrange(0..<4, with: $0) }
    }
}

/// Netlink's length-prefixed records, each padded to 4 bytes (linux/netlink.h NLMSG_ALIGN,
/// RTA_ALIGN): the messages of a reply (`struct nlmsghdr`: 32-bit length, then 16-bit type) or
/// the attributes in a message or nested attribute (`struct rtattr`: 16-bit length and type).
struct NetlinkRecords: Sequence, IteratorProtocol {
    enum Kind { case messages, attributes }
    private let kind: Kind
    private var rest: UnsafeRawBufferPointer

    init(_ kind: Kind, in bytes: UnsafeRawBufferPointer) {
        self.kind = kind
        rest = bytes
    }

    /// The next record's type and the bytes after its header.
    mutating func next() -> (type: Int, payload: UnsafeRawBufferPointer)? {
        let headerBytes = kind == .messages ? MemoryLayout<nlmsghdr>.size : MemoryLayout<rtattr>.size
        guard rest.count >= headerBytes else { return nil }
        let length: Int, type: Int
        switch kind {
        case .messages:
            length = Int(rest.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
            type = Int(rest.loadUnaligned(fromByteOffset: 4, as: UInt16.self))
        case .attributes:
            length = Int(rest.loadUnaligned(fromByteOffset: 0, as: UInt16.self))
            // NLA_TYPE_MASK: the top two bits flag nested and byte-order attributes.
            type = Int(rest.loadUnaligned(fromByteOffset: 2, as: UInt16.self) & 0x3fff)
        }
        guard length >= headerBytes, length <= rest.count else { return nil }
        let payload = UnsafeRawBufferPointer(rebasing: rest[headerBytes..<length])
        rest = UnsafeRawBufferPointer(rebasing: rest[Swift.min((length + 3) & ~3, rest.count)...])
        return (type, payload)
    }
}
