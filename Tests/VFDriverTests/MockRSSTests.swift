import VFDriver
import XCTest

/// The mock's RSS: Microsoft's Toeplitz hash checked on the vectors DPDK's `test_thash.c` uses,
/// the fields the 82599 hashes, and frames spread over a mock VF's RX queues by it.
final class MockRSSTests: XCTestCase {
    /// (source, destination, source port, destination port, hash of addresses, hash with ports)
    static let ipv4: [([UInt8], [UInt8], UInt16, UInt16, UInt32, UInt32)] = [
        ([66, 9, 149, 187], [161, 142, 100, 80], 2794, 1766, 0x323e_8fc2, 0x51cc_c178),
        ([199, 92, 111, 2], [65, 69, 140, 83], 14230, 4739, 0xd718_262a, 0xc626_b0ea),
        ([24, 19, 198, 95], [12, 22, 207, 184], 12898, 38024, 0xd2d0_a5de, 0x5c2b_394a),
        ([38, 27, 205, 30], [209, 142, 163, 6], 48228, 2217, 0x8298_9176, 0xafc7_327f),
        ([153, 39, 163, 191], [202, 188, 127, 2], 44251, 1303, 0x5d18_09c5, 0x10e8_28a2),
    ]
    static let ipv6: [([UInt8], [UInt8], UInt16, UInt16, UInt32, UInt32)] = [
        ([0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x1f, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x07],
         [0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 0x01], 2794, 1766, 0x2cc1_8cd5, 0x4020_7d3d),
        ([0x3f, 0xfe, 0x05, 0x01, 0x00, 0x08, 0, 0, 0x02, 0x60, 0x97, 0xff, 0xfe, 0x40, 0xef, 0xab],
         [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01], 14230, 4739, 0x0f0c_461c, 0xdde5_1bbf),
    ]

    func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }

    func testToeplitzMatchesTheReferenceVectors() {
        let rss = MockRSS()
        for (source, destination, sourcePort, destinationPort, addressHash, portHash) in Self.ipv4 + Self.ipv6 {
            XCTAssertEqual(rss.toeplitz(source + destination), addressHash)
            XCTAssertEqual(rss.toeplitz(source + destination + be16(sourcePort) + be16(destinationPort)), portHash)
        }
    }

    /// An IPv4 packet (20-byte header, `fragment` sets MF) or IPv6 packet carrying `protocolNumber`
    /// from `source`:`sourcePort` to `destination`:`destinationPort`, in a frame with `tags`.
    func ipFrame(_ source: [UInt8], _ destination: [UInt8], _ sourcePort: UInt16, _ destinationPort: UInt16,
                 protocolNumber: UInt8 = 6, fragment: Bool = false, tags: [Frame.Tag] = []) -> [UInt8] {
        let ports = be16(sourcePort) + be16(destinationPort) + [UInt8](repeating: 0, count: 22)
        var frame = Frame(tags: tags, etherType: source.count == 4 ? 0x0800 : 0x86dd)
        if source.count == 4 {
            frame.payload = [0x45, 0, 0, 40, 0, 1, fragment ? 0x20 : 0, 0, 64, protocolNumber, 0, 0] + source + destination + ports
        } else {
            frame.payload = [0x60, 0, 0, 0, 0, 20, protocolNumber, 64] + source + destination + ports
        }
        return frame.bytes
    }

    func hash(_ rss: MockRSS, _ frame: [UInt8]) -> UInt32? { frame.withUnsafeBytes { rss.hash($0) } }

    /// As Linux's ixgbe PF programs MRQC: TCP with ports, UDP on addresses unless enabled, an
    /// IPv4 fragment on addresses, one 802.1Q tag looked past, non-IP not hashed.
    func testFieldsTheHashCovers() {
        var rss = MockRSS()
        for (source, destination, sourcePort, destinationPort, addressHash, portHash) in Self.ipv4 + Self.ipv6 {
            XCTAssertEqual(hash(rss, ipFrame(source, destination, sourcePort, destinationPort)), portHash)
            XCTAssertEqual(hash(rss, ipFrame(source, destination, sourcePort, destinationPort, tags: [tag(5)])), portHash)
            XCTAssertEqual(hash(rss, ipFrame(source, destination, sourcePort, destinationPort, protocolNumber: 17)), addressHash)
            if source.count == 4 {
                XCTAssertEqual(hash(rss, ipFrame(source, destination, sourcePort, destinationPort, fragment: true)), addressHash)
            }
        }
        rss.hashesUDPPorts = true
        let (source, destination, sourcePort, destinationPort, _, portHash) = Self.ipv4[0]
        XCTAssertEqual(hash(rss, ipFrame(source, destination, sourcePort, destinationPort, protocolNumber: 17)), portHash)
        XCTAssertNil(hash(rss, Frame(etherType: 0x0806).bytes), "ARP")
        XCTAssertNil(hash(rss, Array(ipFrame(source, destination, sourcePort, destinationPort).prefix(30))), "cut short")
    }

    /// Frames from the PF and from `rx_pcap` reach the RX queue RSS picks, in order per queue;
    /// what is not hashed reaches queue 0.
    func testFramesSpreadOverRXQueues() throws {
        let flows = (0..<64).map { (i: Int) -> [UInt8] in
            let source: [UInt8] = [10, UInt8(i * 37 % 256), UInt8(i * 11 % 256), UInt8(i)]
            return ipFrame(source, [10, 0, 1, 1], UInt16(1000 + i * 7919 % 50000), 80)
        }
        let arp = Frame(etherType: 0x0806).bytes
        let rss = MockRSS()
        var expected: [[[UInt8]]] = Array(repeating: [], count: 4)
        for frame in flows { expected[frame.withUnsafeBytes { rss.queue(of: $0, queues: 4) }].append(frame) }
        expected[0].append(arp)
        XCTAssertTrue(expected.allSatisfy { !$0.isEmpty }, "64 flows use every queue: \(expected.map(\.count))")

        let nic = MockNIC(vfCount: 1)
        let vf = nic.vfs[0]
        var c = PortConfiguration()
        c.rxQueues = 4
        c.rxDescriptors = 128
        try vf.configure(c)
        try vf.start()
        for frame in flows + [arp] {
            var addressed = frame
            addressed.replaceSubrange(0..<6, with: vf.mac)
            nic.injectFromUplink(addressed)
        }
        XCTAssertEqual((0..<UInt16(4)).map { receive(vf, queue: $0).map { Array($0[6...]) } }, expected.map { $0.map { Array($0[6...]) } })

        let dir = try temporaryDirectory()
        try PcapFile.write(flows + [arp], to: "\(dir)/in.pcap")
        let standalone = try MockVF(rxPcap: "\(dir)/in.pcap", txPcap: nil, pool: MockPool(size: 4 * 128))
        try standalone.configure(c)
        try standalone.start()
        XCTAssertEqual((0..<UInt16(4)).map { receive(standalone, queue: $0) }, expected)
        standalone.stop()
        XCTAssertEqual(standalone.pool.inUseCount, 0)
    }

    /// Everything waiting on `queue`, its buffers freed.
    func receive(_ vf: MockVF, queue: UInt16) -> [[UInt8]] {
        let buffers = UnsafeMutablePointer<MockBuffer>.allocate(capacity: 32)
        defer { buffers.deallocate() }
        var frames: [[UInt8]] = []
        while true {
            let n = vf.port.receive(queue: queue, into: buffers, capacity: 32)
            if n == 0 { return frames }
            for i in 0..<n {
                frames.append(buffers[i].frame)
                buffers[i].free()
            }
        }
    }
}
