import Foundation

/// A pcap file written while frames come, through one fixed buffer, as libpcap's dumper does
/// for DPDK's pcap PMD: a run of any length holds at most the buffer in memory. The file is
/// created (emptied) at once, so a path that cannot be written fails before any frame; a write
/// that fails later is reported by `flush`, which also writes what the buffer holds.
final class PcapWriter {
    private let path: String
    /// What the file is to its user (`tx_pcap`, `wire_tx_pcap`), for errors.
    private let role: String
    private let file: Int32
    private let buffer: UnsafeMutableRawPointer
    private let capacity: Int
    private var used = 0
    private var failure: PcapFile.FormatError?
    /// Records so far; record i has the timestamp i microseconds.
    private var count: UInt64 = 0

    init(path: String, role: String, bufferBytes: Int = 1 << 20) throws(PcapFile.FormatError) {
        self.path = path
        self.role = role
        file = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard file >= 0 else { throw PcapFile.FormatError(path: path, problem: "cannot create \(role) (\(String(cString: strerror(errno))))") }
        capacity = bufferBytes
        buffer = .allocate(byteCount: bufferBytes, alignment: 64)
        // The file header: magic (microsecond timestamps), version 2.4, time zone and accuracy
        // 0, snap length 65535, Ethernet.
        var header = (PcapFile.magicMicroseconds.littleEndian, UInt16(2).littleEndian, UInt16(4).littleEndian,
                      UInt32(0), UInt32(0), UInt32(65535).littleEndian, PcapFile.linkTypeEthernet.littleEndian)
        withUnsafeBytes(of: &header) { append($0) }
    }

    deinit {
        buffer.deallocate()
        close(file)
    }

    /// Appends a record of `captured` bytes of a frame that had `length` bytes on the wire.
    func append(_ captured: UnsafeRawBufferPointer, length: Int) {
        // Little-endian, as the file header's magic number is written.
        var header = (UInt32(count / 1_000_000).littleEndian, UInt32(count % 1_000_000).littleEndian,
                      UInt32(captured.count).littleEndian, UInt32(length).littleEndian)
        withUnsafeBytes(of: &header) { append($0) }
        append(captured)
        count += 1
    }

    /// Writes the buffer out; throws the first write that failed during the run, or now.
    func flush() throws(PcapFile.FormatError) {
        writeBuffer()
        if let failure { throw failure }
    }

    private func append(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        while !rest.isEmpty {
            if used == capacity { writeBuffer() }
            let n = min(rest.count, capacity - used)
            (buffer + used).copyMemory(from: rest.baseAddress!, byteCount: n)
            used += n
            rest = UnsafeRawBufferPointer(rebasing: rest[n...])
        }
    }

    /// Once a write failed, the rest is dropped: the file is incomplete either way.
    private func writeBuffer() {
        defer { used = 0 }
        var at = 0
        while failure == nil, at < used {
            let written = write(file, buffer + at, used - at)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else {
                failure = PcapFile.FormatError(path: path, problem: "cannot write \(role) (\(String(cString: strerror(errno))))")
                return
            }
            at += written
        }
    }
}
