/// Writes pcapng files for tests, in either byte order and with every packet block type
/// (the library only reads pcapng).
enum PcapNGWriter {
    enum PacketBlock: CaseIterable { case enhanced, simple, obsolete }

    /// One section per element of `sections`, each with one Ethernet interface; frame i of a
    /// section goes in block type `blocks[i % blocks.count]`, and an interface statistics block
    /// (no packet) follows the first frame.
    static func file(_ sections: [[[UInt8]]], bigEndian: Bool, blocks: [PacketBlock] = PacketBlock.allCases) -> [UInt8] {
        var out: [UInt8] = []
        func u32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: (bigEndian ? v.byteSwapped : v) >> ($0 * 8)) } }
        func u16(_ v: UInt16) -> [UInt8] { (0..<2).map { UInt8(truncatingIfNeeded: (bigEndian ? v.byteSwapped : v) >> ($0 * 8)) } }
        func block(_ type: UInt32, _ body: [UInt8]) {
            let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
            let length = UInt32(12 + padded.count)
            out += u32(type) + u32(length) + padded + u32(length)
        }
        for frames in sections {
            block(0x0a0d_0d0a, u32(0x1a2b_3c4d) + u16(1) + u16(0) + [UInt8](repeating: 0xff, count: 8))
            block(1, u16(1) + u16(0) + u32(0))
            for (i, frame) in frames.enumerated() {
                let length = u32(UInt32(frame.count))
                switch blocks[i % blocks.count] {
                case .enhanced: block(6, u32(0) + u32(0) + u32(UInt32(i)) + length + length + frame)
                case .simple: block(3, length + frame)
                case .obsolete: block(2, u16(0) + u16(0) + u32(0) + u32(UInt32(i)) + length + length + frame)
                }
                if i == 0 { block(5, u32(0) + u32(0) + u32(0)) }
            }
        }
        return out
    }
}
