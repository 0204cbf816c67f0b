import VFDriver

/// A frame in an allocation of exactly headroom + length bytes; a trivial handle, as the
/// engine requires, over state in its own allocation.
struct FuzzBuffer: PacketBuffer {
    struct State {
        var base: UnsafeMutablePointer<UInt8>
        var offset: Int
        var length: Int
        var stripped: UInt16?
        var insert: UInt16?
        var live: UnsafeMutablePointer<Int>?
    }

    static let headroom = 8
    let state: UnsafeMutablePointer<State>

    init(_ frame: UnsafeBufferPointer<UInt8>, strippedTCI: UInt16?, live: UnsafeMutablePointer<Int>? = nil) {
        let base = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.headroom + frame.count)
        (base + Self.headroom).update(from: frame.baseAddress!, count: frame.count)
        state = .allocate(capacity: 1)
        state.initialize(to: State(base: base, offset: Self.headroom, length: frame.count, stripped: strippedTCI, live: live))
        live?.pointee += 1
    }

    func release() {
        state.pointee.base.deallocate()
        state.deallocate()
    }

    var data: UnsafeMutablePointer<UInt8> { state.pointee.base + state.pointee.offset }
    var length: Int { state.pointee.length }
    var wireLength: Int { length + (state.pointee.insert == nil ? 0 : 4) }
    var strippedTCI: UInt16? { state.pointee.stripped }
    func clearStrippedTag() { state.pointee.stripped = nil }
    func requestTagInsert(tci: UInt16) { state.pointee.insert = tci }
    func prepend(_ count: Int) -> UnsafeMutablePointer<UInt8>? {
        guard count <= state.pointee.offset else { return nil }
        state.pointee.offset -= count
        state.pointee.length += count
        return data
    }
    func trimFront(_ count: Int) {
        require(count <= state.pointee.length, "trimmed more bytes than the frame holds")
        state.pointee.offset += count
        state.pointee.length -= count
    }
    func free() {
        state.pointee.live?.pointee -= 1
        release()
    }
    func prefetch() {}
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: data, count: length)) }
    /// The frame as the NIC sends it: with the tag it was asked to insert after the MACs.
    var wireBytes: [UInt8] {
        guard let tci = state.pointee.insert else { return bytes }
        return Array(bytes.prefix(TagStack.macBytes)) + [0x81, 0x00, UInt8(tci >> 8), UInt8(tci & 0xff)] + bytes.dropFirst(TagStack.macBytes)
    }
}


/// A frame sent on a fuzz port, as it went on the wire.
typealias SentFrame = (port: Int, bytes: [UInt8])

/// Delivers one frame, if it has one, then nothing; frees whatever it is asked to send,
/// recording it in `sent`. `live` counts the buffers not yet freed.
struct FuzzPort: PacketPort {
    let index: Int
    let live: UnsafeMutablePointer<Int>
    let sent: UnsafeMutablePointer<[SentFrame]>
    let inbound: UnsafeBufferPointer<UInt8>?
    let stripped: UInt16?
    var insertsTags: Bool { false }

    func receive(queue: UInt16, into buffers: UnsafeMutablePointer<FuzzBuffer>, capacity: Int) -> Int {
        guard let inbound else { return 0 }
        buffers[0] = FuzzBuffer(inbound, strippedTCI: stripped, live: live)
        return 1
    }

    func transmit(queue: UInt16, from buffers: UnsafeMutablePointer<FuzzBuffer>, count: Int) -> Int {
        for i in 0..<count {
            sent.pointee.append((index, buffers[i].wireBytes))
            buffers[i].free()
        }
        return count
    }
}
