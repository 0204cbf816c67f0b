import Foundation

/// Frames offered to a standalone mock VF as it is polled, from an `rx_pcap` file: before each
/// receive the RX ring is topped up to what the poll asks for (so the frames are still in cache
/// when the driver reads them), and no frame is lost to a full ring or an empty pool: a frame
/// waits until a descriptor is armed for it. With several RX queues, RSS spreads the frames as
/// the 82599 would. Frames are copied into the buffers of armed descriptors, taken in bulk.
final class MockFrameSource {
    let frames: PackedFrames
    /// Start again at the first frame after the last (DPDK pcap PMD's `infinite_rx`).
    let infinite: Bool
    /// Read and assigned once per poll, whole: the runtime exclusivity check is not needed.
    @exclusivity(unchecked) var next = 0
    let scratch = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: 64)

    /// The frames of the traffic file at `path`, or none.
    init(path: String?, infinite: Bool) throws(PcapFile.FormatError) {
        frames = try PackedFrames(path: path)
        self.infinite = infinite && frames.count > 0
    }

    deinit { scratch.deallocate() }

    /// Tops up RX queue `queue` for a poll of `wanted` frames.
    func refill(_ vf: MockVF, queue: Int, upTo wanted: Int) {
        if vf.rxRefs.count == 1 {
            refillOnlyQueue(vf, upTo: wanted)
        } else {
            refillByRSS(vf, queue: queue, upTo: wanted)
        }
    }

    /// Several queues: each frame goes where RSS sends it, in file order, until the polled
    /// queue has enough or the next frame's queue is full (the frame waits for that queue's poll).
    func refillByRSS(_ vf: MockVF, queue polled: Int, upTo wanted: Int) {
        let rss = vf.rss, rings = vf.rxRings, strip = vf.configuration.vlanStrip, frames = self.frames, frameCount = frames.count
        var index = next, packets = 0, octets = 0
        while rings[polled].count < wanted {
            if index == frameCount {
                guard infinite else { break }
                index = 0
            }
            let frame = frames[index]
            let queue = rss.queue(of: frame, queues: rings.count)
            guard let buffer = vf.takeArmedBuffer(queue) else { break }
            guard buffer.setFrame(frame) else {
                // Its further segments are not in the pool: the descriptor waits with it.
                _ = vf.rxArmedRings[queue].enqueue(buffer.raw)
                break
            }
            if strip { MockVF.strip(buffer) }
            _ = rings[queue].enqueue(buffer.raw)
            octets += frame.count
            packets += 1
            index += 1
        }
        next = index
        vf.hardware.pointee.received(octets, packets: packets)
    }

    /// One queue: frames go in bulk, from armed descriptors to the ring.
    func refillOnlyQueue(_ vf: MockVF, upTo wanted: Int) {
        // Unretained: the VF owns both for longer than this call, which runs per poll.
        let ringRef = vf.rxRefs[0], armedRef = vf.rxArmedRefs[0]
        let strip = vf.configuration.vlanStrip, frames = self.frames, frameCount = frames.count
        // Locals in the loop: class properties would pay an exclusivity check per frame.
        var index = next, packets = 0, octets = 0
        while true {
            if index == frameCount {
                guard infinite else { break }
                index = 0
            }
            let count = ringRef._withUnsafeGuaranteedRef { $0.count }
            // Nested two-argument min: the variadic one would allocate its arguments' array.
            let missing = min(min(wanted - count, vf.fillableDescriptors(0)), min(64, infinite ? 64 : frameCount - index))
            if missing <= 0 { break }
            var n = armedRef._withUnsafeGuaranteedRef { $0.dequeueBurst(into: scratch, count: missing) }
            // The ring hands out the buffer armed longest ago, long out of L1: load a few
            // buffers ahead of the one written (more would wait for free fill buffers).
            let ahead = 4
            for i in 0..<min(ahead, n) { MockBuffer(raw: scratch[i]).prefetchForReceive() }
            var poolRanDry = false
            for i in 0..<n {
                if i &+ ahead < n { MockBuffer(raw: scratch[i &+ ahead]).prefetchForReceive() }
                if index == frameCount { index = 0 }
                let frame = frames[index]
                let buffer = MockBuffer(raw: scratch[i])
                // A frame longer than a buffer takes more from the pool; when none is left, it
                // waits for the next poll, and the buffers not filled go back on their descriptors.
                guard buffer.setFrame(frame) else {
                    _ = armedRef._withUnsafeGuaranteedRef { $0.enqueueBulk(scratch + i, count: n - i) }
                    n = i
                    poolRanDry = true
                    break
                }
                if strip { MockVF.strip(buffer) }
                octets += frame.count
                index += 1
            }
            packets += n
            let queued = ringRef._withUnsafeGuaranteedRef { $0.enqueueBulk(scratch, count: n) }
            assert(queued == n, "only this poll fills the ring, and it had room")
            if poolRanDry { break }
        }
        next = index
        vf.hardware.pointee.received(octets, packets: packets)
    }
}

/// Frames a standalone mock VF sent, written to its `tx_pcap` as they are sent (`PcapWriter`).
/// The file is created with the device, as the pcap PMD opens its dumper, so a path that
/// cannot be written fails before any frame is forwarded.
final class MockFrameSink {
    private let writer: PcapWriter

    init(path: String) throws(PcapFile.FormatError) {
        writer = try PcapWriter(path: path, role: "tx_pcap")
    }

    /// As DPDK's pcap PMD: a frame in several segments is captured up to RTE_ETH_PCAP_SNAPLEN
    /// bytes (the record keeps its full length), one in a single buffer whole.
    func write(_ buffer: MockBuffer) {
        buffer.withFrame { frame in
            let captured = buffer.isContiguous ? frame.count : min(frame.count, PcapFile.dpdkSegmentedSnapLength)
            writer.append(UnsafeRawBufferPointer(rebasing: frame[..<captured]), length: frame.count)
        }
    }

    /// Writes what is not written yet; throws if a write failed.
    func flush() throws(PcapFile.FormatError) { try writer.flush() }
}
