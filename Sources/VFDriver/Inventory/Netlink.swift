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

/// 4-byte alignment of netlink messages and attributes.
private func aligned(_ n: Int) -> Int { (n + 3) & ~3 }

/// The messages of a netlink reply: each its type and the bytes after its header.
struct NetlinkMessages: Sequence, IteratorProtocol {
    private var rest: UnsafeRawBufferPointer

    init(_ bytes: UnsafeRawBufferPointer) { rest = bytes }

    mutating func next() -> (type: Int32, payload: UnsafeRawBufferPointer)? {
        let headerBytes = MemoryLayout<nlmsghdr>.size
        guard rest.count >= headerBytes else { return nil }
        let length = Int(rest.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        let type = Int32(rest.loadUnaligned(fromByteOffset: 4, as: UInt16.self))
        guard length >= headerBytes, length <= rest.count else { return nil }
        let payload = UnsafeRawBufferPointer(rebasing: rest[headerBytes..<length])
        rest = UnsafeRawBufferPointer(rebasing: rest[Swift.min(aligned(length), rest.count)...])
        return (type, payload)
    }
}

/// The attributes (`struct rtattr`) in a message or a nested attribute: type and payload.
struct NetlinkAttributes: Sequence, IteratorProtocol {
    private var rest: UnsafeRawBufferPointer

    init(_ bytes: UnsafeRawBufferPointer) { rest = bytes }

    mutating func next() -> (type: UInt16, payload: UnsafeRawBufferPointer)? {
        let headerBytes = MemoryLayout<rtattr>.size
        guard rest.count >= headerBytes else { return nil }
        let length = Int(rest.loadUnaligned(fromByteOffset: 0, as: UInt16.self))
        // NLA_TYPE_MASK: the top two bits flag nested and byte-order attributes.
        let type = rest.loadUnaligned(fromByteOffset: 2, as: UInt16.self) & 0x3fff
        guard length >= headerBytes, length <= rest.count else { return nil }
        let payload = UnsafeRawBufferPointer(rebasing: rest[headerBytes..<length])
        rest = UnsafeRawBufferPointer(rebasing: rest[Swift.min(aligned(length), rest.count)...])
        return (type, payload)
    }
}
