/// pcapng files (what Wireshark, tshark and dumpcap write by default), read as libpcap reads
/// them for DPDK's pcap PMD: every packet of every section in file order. Block layouts from
/// the pcapng specification (draft-ietf-opsawg-pcapng): a block is type, total length, body,
/// total length again, in the byte order its section header declares.
enum PcapNG {
    static let sectionHeader: UInt32 = 0x0a0d_0d0a
    static let byteOrderMagic: UInt32 = 0x1a2b_3c4d
    static let interfaceDescription: UInt32 = 1
    static let obsoletePacket: UInt32 = 2
    static let simplePacket: UInt32 = 3
    static let enhancedPacket: UInt32 = 6

    /// Where each packet of the file's `bytes` lies in them.
    static func frameRanges(_ bytes: UnsafeRawBufferPointer, path: String) throws(PcapFile.FormatError) -> [Range<Int>] {
        func fail(_ problem: String) -> PcapFile.FormatError { PcapFile.FormatError(path: path, problem: problem) }
        var fields = CaptureFields(bytes: bytes)
        var frames: [Range<Int>] = []
        // Per section, each interface's snap length; a packet names its interface by index.
        var snapLengths: [Int] = []
        var at = 0
        while at < bytes.count {
            guard at + 12 <= bytes.count else { throw fail("block cut short at byte \(at)") }
            // The section header's type reads the same in both byte orders; the file starts with one.
            let type = fields.u32(at)
            if type == sectionHeader {
                guard at + 28 <= bytes.count else { throw fail("section header cut short at byte \(at)") }
                fields.swapped = false
                switch fields.u32(at + 8) {
                case byteOrderMagic: break
                case byteOrderMagic.byteSwapped: fields.swapped = true
                default: throw fail("section header at byte \(at) has no byte-order magic")
                }
                snapLengths = []
            }
            let length = Int(fields.u32(at + 4))
            guard length >= 12, length % 4 == 0, at + length <= bytes.count else {
                throw fail("block at byte \(at) has length \(length), which \(at + length > bytes.count ? "runs past the end" : "is not a block's")")
            }
            let body = at + 8, bodyEnd = at + length - 4
            // The packet bytes of a block: `captured` of them from `data`, which must fit the body.
            func packet(_ data: Int, _ captured: Int) throws(PcapFile.FormatError) -> Range<Int> {
                guard data <= bodyEnd, captured <= bodyEnd - data else { throw fail("packet block at byte \(at) is cut short") }
                return data..<data + captured
            }
            func interface(_ index: Int) throws(PcapFile.FormatError) -> Int {
                guard index < snapLengths.count else { throw fail("packet block at byte \(at) names interface \(index), which is not described") }
                return snapLengths[index]
            }
            switch type {
            case interfaceDescription:
                guard bodyEnd - body >= 8 else { throw fail("interface description at byte \(at) is cut short") }
                let linkType = fields.u16(body)
                guard UInt32(linkType) == PcapFile.linkTypeEthernet else {
                    throw fail("interface \(snapLengths.count) has link type \(linkType), not Ethernet")
                }
                snapLengths.append(Int(fields.u32(body + 4)))
            case enhancedPacket:
                guard bodyEnd - body >= 20 else { throw fail("packet block at byte \(at) is cut short") }
                _ = try interface(Int(fields.u32(body)))
                frames.append(try packet(body + 20, Int(fields.u32(body + 12))))
            case obsoletePacket:
                guard bodyEnd - body >= 20 else { throw fail("packet block at byte \(at) is cut short") }
                _ = try interface(Int(fields.u16(body)))
                frames.append(try packet(body + 20, Int(fields.u32(body + 12))))
            case simplePacket:
                // No captured length: the original one, cut to the body and the snap length.
                guard bodyEnd - body >= 4 else { throw fail("packet block at byte \(at) is cut short") }
                let snap = try interface(0)
                var captured = min(Int(fields.u32(body)), bodyEnd - body - 4)
                if snap > 0 { captured = min(captured, snap) }
                frames.append(try packet(body + 4, captured))
            default:
                break  // statistics, name resolution, custom blocks: no packets
            }
            at += length
        }
        return frames
    }
}
