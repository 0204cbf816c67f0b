import Foundation

/// Frames offered to a standalone mock VF as it is polled, from an `rx_pcap` file: the RX ring
/// is topped up before each receive, so no frame is lost to a full ring or an empty pool.
final class MockFrameSource {
    let frames: [[UInt8]]
    /// Start again at the first frame after the last (DPDK pcap PMD's `infinite_rx`).
    let infinite: Bool
    var next = 0

    init(frames: [[UInt8]], infinite: Bool) {
        self.frames = frames
        self.infinite = infinite && !frames.isEmpty
    }

    func refill(_ vf: MockVF) {
        let ring = vf.rxRings[0]
        while !ring.isFull, vf.pool.availableCount > 0 {
            if next == frames.count {
                guard infinite else { return }
                next = 0
            }
            frames[next].withUnsafeBytes { _ = vf.arrive($0, filtered: false) }
            next += 1
        }
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
