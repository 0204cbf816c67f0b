import Foundation

/// Frames offered to a standalone mock VF as it is polled, from an `rx_pcap` file: before each
/// receive the RX ring is topped up to what the poll asks for (so the frames are still in cache
/// when the driver reads them), and no frame is lost to a full ring or an empty pool.
/// Frames are kept back to back in one array and copied into buffers taken from the pool in bulk.
final class MockFrameSource {
    let bytes: [UInt8]
    let offsets: [Int]
    /// Start again at the first frame after the last (DPDK pcap PMD's `infinite_rx`).
    let infinite: Bool
    var next = 0
    let scratch = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: 64)

    init(frames: [[UInt8]], infinite: Bool) {
        bytes = frames.flatMap { $0 }
        offsets = frames.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        self.infinite = infinite && !frames.isEmpty
    }

    deinit { scratch.deallocate() }

    var frameCount: Int { offsets.count - 1 }

    func refill(_ vf: MockVF, upTo wanted: Int) {
        let ring = vf.rxRefs[0]._withUnsafeGuaranteedRef { $0 }
        let strip = vf.configuration.vlanStrip
        let pool = vf.pool, count = frameCount
        // Locals in the loop: class properties would pay an exclusivity check per frame.
        var index = next, packets = 0, octets = 0
        bytes.withUnsafeBytes { all in
            offsets.withUnsafeBufferPointer { offsets in
                while true {
                    if index == count {
                        guard infinite else { return }
                        index = 0
                    }
                    let missing = min(wanted - ring.count, ring.freeCount, 64, infinite ? 64 : count - index)
                    if missing <= 0 { return }
                    let n = pool.allocateBulk(into: scratch, count: missing)
                    if n == 0 { return }
                    for i in 0..<n {
                        if index == count { index = 0 }
                        let frame = UnsafeRawBufferPointer(rebasing: all[offsets[index]..<offsets[index + 1]])
                        let buffer = MockBuffer(raw: scratch[i])
                        buffer.setFrame(frame)
                        if strip { MockVF.strip(buffer) }
                        octets += frame.count
                        index += 1
                    }
                    packets += n
                    ring.enqueueBulk(scratch, count: n)
                }
            }
        }
        next = index
        vf.hardware.received(octets, packets: packets)
    }
}

/// Frames a standalone mock VF sent, kept as a pcap file image and written when the port closes.
final class MockFrameSink {
    let path: String
    var image = PcapFile.header()
    var count: UInt64 = 0

    init(path: String) { self.path = path }

    func write(_ frame: UnsafeRawBufferPointer) {
        PcapFile.appendRecord([UInt8](frame), timestamp: count, to: &image)
        count += 1
    }

    func flush() throws {
        try Data(image).write(to: URL(fileURLWithPath: path))
    }
}
