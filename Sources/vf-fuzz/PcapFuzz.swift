import VFDriver

/// Fuzzes the traffic-file reader (classic pcap and pcapng) that `mock:` devices use on
/// files users hand them. Checked per input: no crash or out-of-bounds read, and the packets
/// read never hold more bytes than the file.
enum PcapFuzz {
    static func testOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) {
        guard let frames = try? PcapFile.frames(in: Array(UnsafeBufferPointer(start: data, count: size)), path: "input") else { return }
        require(frames.reduce(0) { $0 + $1.count } <= size, "more packet bytes than the file holds")
    }
}
