/// The 82599's receive-side scaling as one of its VFs sees it (82599 datasheet 7.1.2.8): the PF
/// owns the Toeplitz key, the hashed fields (MRQC) and the redirection table, shared by its VFs.
/// A frame of a hashed type goes to queue RETA[hash & 127] of the VF's pool; any other frame
/// (ARP, non-IP, a fragment's ports) to queue 0, or hashed on its addresses alone.
public struct MockRSS: Sendable {
    /// 40 bytes. The default is the key of Microsoft's RSS specification, which DPDK's ixgbe PMD
    /// programs (`rss_intel_key`); Linux's ixgbe PF fills the key at random.
    public var key: [UInt8] = [
        0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
        0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
        0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
    ]
    /// MRQC's UDP fields: off as Linux's ixgbe sets them (`ethtool -N PF rx-flow-hash udp4 sdfn`
    /// turns them on), so UDP hashes on addresses only. TCP ports are always hashed.
    public var hashesUDPPorts = false

    public init() {}

    /// The Toeplitz hash of `input` (Microsoft's RSS specification): for each set bit of the
    /// input, XOR in the 32 key bits that start at that bit's position.
    public func toeplitz(_ input: [UInt8]) -> UInt32 {
        input.withUnsafeBytes { bytes in
            var hash = Toeplitz(key: key)
            hash.add(bytes[...])
            return hash.value
        }
    }

    /// The hash the 82599 computes for `frame`, or nil when it hashes nothing of it. Hashed are
    /// source and destination address, then source and destination port for TCP (and UDP if
    /// enabled) when the IPv4 packet is not a fragment or the IPv6 header is followed directly by
    /// the transport header; one 802.1Q tag is looked past.
    public func hash(_ frame: UnsafeRawBufferPointer) -> UInt32? {
        var at = 12
        guard frame.count >= at + 2 else { return nil }
        var etherType = UInt16(frame[at]) << 8 | UInt16(frame[at + 1])
        if etherType == 0x8100 {
            at += 4
            guard frame.count >= at + 2 else { return nil }
            etherType = UInt16(frame[at]) << 8 | UInt16(frame[at + 1])
        }
        at += 2
        let addresses: Range<Int>, transport: Int, protocolNumber: UInt8
        switch etherType {
        case 0x0800:
            guard frame.count >= at + 20, frame[at] >> 4 == 4 else { return nil }
            let fragment = (UInt16(frame[at + 6]) << 8 | UInt16(frame[at + 7])) & 0x3fff != 0  // MF or an offset
            addresses = at + 12..<at + 20
            transport = fragment ? Int.max : at + Int(frame[at] & 0x0f) * 4
            protocolNumber = frame[at + 9]
        case 0x86dd:
            guard frame.count >= at + 40, frame[at] >> 4 == 6 else { return nil }
            addresses = at + 8..<at + 40
            transport = at + 40
            protocolNumber = frame[at + 6]
        default:
            return nil
        }
        var hash = Toeplitz(key: key)
        hash.add(frame[addresses])
        if protocolNumber == 6 || (protocolNumber == 17 && hashesUDPPorts), transport <= frame.count - 4 {
            hash.add(frame[transport..<transport + 4])
        }
        return hash.value
    }

    /// The RX queue of `frame` in a pool of `queues` (a power of two). The redirection table as
    /// the PF fills it (entry i = i mod its queue count) leaves the hash's low bits.
    public func queue(of frame: UnsafeRawBufferPointer, queues: Int) -> Int {
        guard queues > 1, let hash = hash(frame) else { return 0 }
        return Int(hash & 0x7f) & (queues - 1)
    }
}

/// A Toeplitz hash fed a few bytes at a time: `window` holds the 32 key bits that line up with
/// the next input bit.
private struct Toeplitz {
    let key: [UInt8]
    var value: UInt32 = 0
    var window: UInt32
    /// The key byte whose bits enter the window next.
    var next = 4

    init(key: [UInt8]) {
        self.key = key
        window = UInt32(key[0]) << 24 | UInt32(key[1]) << 16 | UInt32(key[2]) << 8 | UInt32(key[3])
    }

    mutating func add(_ bytes: Slice<UnsafeRawBufferPointer>) {
        precondition(next + bytes.count <= key.count, "a \(key.count)-byte key hashes at most \(key.count - 4) bytes")
        for byte in bytes {
            for bit in 0..<8 {
                if byte & (0x80 >> bit) != 0 { value ^= window }
                window = window << 1 | UInt32(key[next] >> (7 - bit) & 1)
            }
            next += 1
        }
    }
}
