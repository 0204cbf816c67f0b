/// Builds Ethernet frames for tests: MACs, a tag stack, an ethertype and a payload.
struct Frame {
    struct Tag {
        var tpid: UInt16 = 0x8100
        var pcp: UInt16 = 0
        var dei: Bool = false
        var vid: UInt16

        var tci: UInt16 { pcp << 13 | (dei ? 0x1000 : 0) | vid }
    }

    static let destination: [UInt8] = [0x02, 0, 0, 0, 0, 0x02]
    static let source: [UInt8] = [0x02, 0, 0, 0, 0, 0x01]

    var tags: [Tag] = []
    var etherType: UInt16 = 0x0800
    var payload: [UInt8]

    init(tags: [Tag] = [], etherType: UInt16 = 0x0800, payloadBytes: Int = 46, seed: Int = 0) {
        self.tags = tags
        self.etherType = etherType
        payload = (0..<payloadBytes).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ seed &* 13) }
    }

    var bytes: [UInt8] {
        var out = Frame.destination + Frame.source
        for tag in tags { out += be16(tag.tpid) + be16(tag.tci) }
        return out + be16(etherType) + payload
    }

    func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
}

func tag(_ vid: UInt16, pcp: UInt16 = 0, dei: Bool = false, tpid: UInt16 = 0x8100) -> Frame.Tag {
    Frame.Tag(tpid: tpid, pcp: pcp, dei: dei, vid: vid)
}
