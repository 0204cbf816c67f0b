import Foundation

/// libpcap files, Ethernet link type: what DPDK's pcap PMD reads and writes. Reading also takes
/// pcapng (`PcapNG`), as the PMD does through libpcap; writing is always the classic format.
public enum PcapFile {
    static let magicMicroseconds: UInt32 = 0xa1b2_c3d4
    static let magicNanoseconds: UInt32 = 0xa1b2_3c4d
    static let linkTypeEthernet: UInt32 = 1
    /// The pcap PMD captures a frame in several mbufs up to RTE_ETH_PCAP_SNAPLEN bytes
    /// (RTE_ETHER_MAX_JUMBO_FRAME_LEN).
    static let dpdkSegmentedSnapLength = 0x3f00

    public struct FormatError: Error, CustomStringConvertible {
        public var path: String
        public var problem: String
        public var description: String { "\(path): \(problem)" }
    }

    /// Every frame of the file, in order.
    public static func read(_ path: String) throws -> [[UInt8]] {
        try withFrameRanges(path) { bytes, ranges in ranges.map { Array(bytes[$0]) } }
    }

    /// Calls `body` with the file's bytes and where each frame lies in them, in order. A regular
    /// file is mapped, not read: a large traffic file costs no copy and no array per frame. (Cut
    /// short by another process meanwhile, a mapped file would end vf-fwd with SIGBUS; a
    /// traffic file is not written while it is being read.) A pipe, a FIFO or `/dev/stdin`,
    /// which libpcap and so DPDK's pcap PMD read as well, is read to its end.
    static func withFrameRanges<Value>(_ path: String,
                                       _ body: (UnsafeRawBufferPointer, [Range<Int>]) -> Value) throws(FormatError) -> Value {
        let file: Data
        do {
            let url = URL(fileURLWithPath: path)
            file = try isRegularFile(path) ? Data(contentsOf: url, options: .alwaysMapped)
                                           : FileHandle(forReadingFrom: url).readToEnd() ?? Data()
        } catch {
            throw FormatError(path: path, problem: "cannot read the file (\(unreadableFileReason(path)))")
        }
        return try file.withUnsafeBytes { bytes in
            Result { () throws(FormatError) in body(bytes, try frameRanges(in: bytes, path: path)) }
        }.get()
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var status = stat()
        return stat(path, &status) == 0 && status.st_mode & S_IFMT == S_IFREG
    }

    /// Every frame of a file's `bytes`; `path` names it in errors.
    public static func frames(in bytes: [UInt8], path: String) throws(FormatError) -> [[UInt8]] {
        try bytes.withUnsafeBytes { bytes in
            Result { () throws(FormatError) in try frameRanges(in: bytes, path: path).map { Array(bytes[$0]) } }
        }.get()
    }

    /// Where each frame of a file's `bytes` lies in them.
    static func frameRanges(in bytes: UnsafeRawBufferPointer, path: String) throws(FormatError) -> [Range<Int>] {
        var fields = CaptureFields(bytes: bytes)
        if bytes.count >= 4, fields.u32(0) == PcapNG.sectionHeader { return try PcapNG.frameRanges(bytes, path: path) }
        guard bytes.count >= 24 else { throw FormatError(path: path, problem: "shorter than a pcap header") }
        let magic = fields.u32(0)
        switch magic {
        case magicMicroseconds, magicNanoseconds: break
        case magicMicroseconds.byteSwapped, magicNanoseconds.byteSwapped: fields.swapped = true
        default: throw FormatError(path: path, problem: "not a pcap file (magic \(String(magic, radix: 16)))")
        }
        guard fields.u32(20) == linkTypeEthernet else {
            throw FormatError(path: path, problem: "link type \(fields.u32(20)) is not Ethernet")
        }
        var frames: [Range<Int>] = []
        var at = 24
        while at + 16 <= bytes.count {
            let captured = Int(fields.u32(at + 8))
            at += 16
            guard at + captured <= bytes.count else { throw FormatError(path: path, problem: "record cut short at byte \(at)") }
            frames.append(at..<at + captured)
            at += captured
        }
        return frames
    }

    /// Writes `frames` as a new file, with microsecond timestamps one apart.
    public static func write(_ frames: [[UInt8]], to path: String) throws(FormatError) {
        let writer = try PcapWriter(path: path, role: "the pcap file")
        for frame in frames { frame.withUnsafeBytes { writer.append($0, length: $0.count) } }
        try writer.flush()
    }

}

/// The fields of a capture file, written little-endian unless `swapped` (a big-endian writer's
/// file, as its magic number says).
struct CaptureFields {
    let bytes: UnsafeRawBufferPointer
    var swapped = false

    func u16(_ at: Int) -> UInt16 {
        let v = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self))
        return swapped ? v.byteSwapped : v
    }

    func u32(_ at: Int) -> UInt32 {
        let v = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self))
        return swapped ? v.byteSwapped : v
    }
}
