/// The frames of a traffic file, copied back to back once when it is opened: replaying them
/// costs no allocation and no reference count per frame, and a large file costs the size of
/// its frames, not an array per frame.
final class PackedFrames {
    /// Frame i is bytes[offsets[i] ..< offsets[i + 1]].
    private let bytes: UnsafeMutableRawPointer
    private let offsets: UnsafeMutablePointer<Int>
    let count: Int

    /// The frames of the traffic file at `path` (pcap or pcapng), or none.
    init(path: String?) throws(PcapFile.FormatError) {
        (bytes, offsets, count) = try path.map { path throws(PcapFile.FormatError) in
            try PcapFile.withFrameRanges(path, Self.pack)
        } ?? Self.pack(UnsafeRawBufferPointer(start: nil, count: 0), [])
    }

    /// The frames at `frames` in a file's `file` bytes, copied back to back.
    private static func pack(_ file: UnsafeRawBufferPointer, _ frames: [Range<Int>])
        -> (bytes: UnsafeMutableRawPointer, offsets: UnsafeMutablePointer<Int>, count: Int) {
        let offsets = UnsafeMutablePointer<Int>.allocate(capacity: frames.count + 1)
        offsets[0] = 0
        for (i, frame) in frames.enumerated() { offsets[i + 1] = offsets[i] + frame.count }
        let bytes = UnsafeMutableRawPointer.allocate(byteCount: max(1, offsets[frames.count]), alignment: 64)
        for (i, frame) in frames.enumerated() {
            (bytes + offsets[i]).copyMemory(from: file.baseAddress! + frame.lowerBound, byteCount: frame.count)
        }
        return (bytes, offsets, frames.count)
    }

    deinit {
        offsets.deallocate()
        bytes.deallocate()
    }

    /// Frame `index`, valid while this object lives.
    @inline(__always)
    subscript(index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: bytes + offsets[index], count: offsets[index + 1] - offsets[index])
    }
}
