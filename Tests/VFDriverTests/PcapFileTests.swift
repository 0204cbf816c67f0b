@testable import VFDriver
import XCTest

/// Traffic files as DPDK's pcap PMD reads them through libpcap: classic pcap and pcapng.
final class PcapFileTests: XCTestCase {
    let frames = (0..<7).map { Frame(tags: $0 % 2 == 0 ? [tag(UInt16(100 + $0))] : [], payloadBytes: 46 + $0, seed: $0).bytes }

    func read(_ bytes: [UInt8]) throws -> [[UInt8]] {
        let path = try temporaryDirectory() + "/t.pcapng"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return try PcapFile.read(path)
    }

    func assertFormatError(_ bytes: [UInt8], _ problem: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try read(bytes), file: file, line: line) { error in
            XCTAssertTrue("\(error)".hasSuffix("t.pcapng: \(problem)"), "\(error)", file: file, line: line)
        }
    }

    func testPcapNGInBothByteOrdersWithEveryPacketBlock() throws {
        for bigEndian in [false, true] {
            let file = PcapNGWriter.file([Array(frames.prefix(4)), Array(frames.dropFirst(4))], bigEndian: bigEndian)
            XCTAssertEqual(try read(file), frames, bigEndian ? "big-endian" : "little-endian")
        }
    }

    func testClassicPcapRoundTrip() throws {
        let path = try temporaryDirectory() + "/t.pcap"
        try PcapFile.write(frames, to: path)
        XCTAssertEqual(try PcapFile.read(path), frames)
    }

    /// A FIFO (or a pipe, `/dev/stdin`), which libpcap reads, is read to its end rather than mapped:
    /// `tcpdump -w - | ...` feeds a mock port as it feeds DPDK's pcap PMD.
    func testReadsAFIFOToItsEnd() throws {
        let dir = try temporaryDirectory()
        try PcapFile.write(frames, to: "\(dir)/t.pcap")
        let file = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/t.pcap"))
        XCTAssertEqual(mkfifo("\(dir)/fifo", 0o600), 0)
        let writer = Thread { try! file.write(to: URL(fileURLWithPath: "\(dir)/fifo")) }
        writer.start()
        XCTAssertEqual(try PcapFile.read("\(dir)/fifo"), frames)
        XCTAssertThrowsError(try PcapFile.read(dir)) { XCTAssertEqual("\($0)", "\(dir): cannot read the file (not a readable file)") }
    }

    /// The writer of `PcapFile.write` and of a mock's `tx_pcap` writes while frames come (memory
    /// stays bounded on a long run), records and frames larger than its buffer included.
    func testStreamingWriterWritesAsItGoes() throws {
        let dir = try temporaryDirectory()
        let big = Frame(tags: [], payloadBytes: 300, seed: 9).bytes
        let all = frames + [big] + frames
        let writer = try PcapWriter(path: "\(dir)/w.pcap", role: "tx_pcap", bufferBytes: 100)
        for frame in all { frame.withUnsafeBytes { writer.append($0, length: $0.count) } }
        let written = try FileManager.default.attributesOfItem(atPath: "\(dir)/w.pcap")[.size] as! Int
        XCTAssertGreaterThan(written, 24 + all.count * 16 + all.map(\.count).reduce(0, +) - 100, "all but the buffer is out before flush")
        try writer.flush()
        XCTAssertEqual(try PcapFile.read("\(dir)/w.pcap"), all)
    }

    func testBrokenPcapNGSaysWhere() {
        let good = PcapNGWriter.file([frames], bigEndian: false, blocks: [.enhanced])
        let lastBlock = 12 + 20 + (frames.last!.count + 3) / 4 * 4
        assertFormatError(Array(good.dropLast(3)), "block at byte \(good.count - lastBlock) has length \(lastBlock), which runs past the end")
        var ethernetless = good
        ethernetless[28 + 8] = 113  // the interface's link type: Linux cooked capture
        assertFormatError(ethernetless, "interface 0 has link type 113, not Ethernet")
        var unknownInterface = good
        unknownInterface[28 + 20 + 8] = 3
        assertFormatError(unknownInterface, "packet block at byte 48 names interface 3, which is not described")
        var noMagic = good
        noMagic[8] = 0
        assertFormatError(noMagic, "section header at byte 0 has no byte-order magic")
    }
}
