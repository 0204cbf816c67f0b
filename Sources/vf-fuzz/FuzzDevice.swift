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
        if let source = frame.baseAddress { (base + Self.headroom).update(from: source, count: frame.count) }
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
    var wireBytes: [UInt8] { withTag(state.pointee.insert, bytes) }
}

/// `frame` with an 802.1Q tag of `tci` after its MACs, as a NIC inserts one or had stripped it;
/// `frame` itself when there is no tag.
func withTag(_ tci: UInt16?, _ frame: [UInt8]) -> [UInt8] {
    guard let tci else { return frame }
    return Array(frame.prefix(TagStack.macBytes)) + [0x81, 0x00, UInt8(tci >> 8), UInt8(tci & 0xff)] + frame.dropFirst(TagStack.macBytes)
}

/// A frame sent on a fuzz port, as it went on the wire.
typealias SentFrame = (port: Int, bytes: [UInt8])
/// A frame waiting on a fuzz port, as the NIC delivers it: `stripped` is a tag it removed.
typealias InboundFrame = (bytes: [UInt8], stripped: UInt16?)

/// Delivers the frames of `inbound` in order, as many as asked for; takes as many frames to
/// send as `txSpace` has left (then its queue is full for good), frees them and records them
/// in `sent`. `live` counts the buffers not yet freed.
struct FuzzPort: PacketPort {
    let index: Int
    let live: UnsafeMutablePointer<Int>
    let sent: UnsafeMutablePointer<[SentFrame]>
    let inbound: UnsafeMutablePointer<[InboundFrame]>
    let txSpace: UnsafeMutablePointer<Int>
    var insertsTags: Bool { false }

    func receive(queue: UInt16, into buffers: UnsafeMutablePointer<FuzzBuffer>, capacity: Int) -> Int {
        let count = min(capacity, inbound.pointee.count)
        for i in 0..<count {
            let frame = inbound.pointee[i]
            buffers[i] = frame.bytes.withUnsafeBufferPointer { FuzzBuffer($0, strippedTCI: frame.stripped, live: live) }
        }
        inbound.pointee.removeFirst(count)
        return count
    }

    func transmit(queue: UInt16, from buffers: UnsafeMutablePointer<FuzzBuffer>, count: Int) -> Int {
        let accepted = min(count, txSpace.pointee)
        txSpace.pointee -= accepted
        for i in 0..<accepted {
            sent.pointee.append((index, buffers[i].wireBytes))
            buffers[i].free()
        }
        return accepted
    }
}

/// The memory fuzz ports share with the target: buffers not yet freed, frames sent, and each
/// port's frames waiting and room to send.
final class FuzzWire {
    let live = UnsafeMutablePointer<Int>.allocate(capacity: 1)
    let sent = UnsafeMutablePointer<[SentFrame]>.allocate(capacity: 1)
    let inbound: UnsafeMutablePointer<[InboundFrame]>
    let txSpace: UnsafeMutablePointer<Int>
    let portCount: Int

    init(inbound frames: [[InboundFrame]], txSpace space: [Int]? = nil) {
        portCount = frames.count
        live.initialize(to: 0)
        sent.initialize(to: [])
        inbound = .allocate(capacity: portCount)
        inbound.initialize(from: frames, count: portCount)
        txSpace = .allocate(capacity: portCount)
        txSpace.initialize(from: space ?? Array(repeating: .max, count: portCount), count: portCount)
    }

    deinit {
        live.deallocate()
        sent.deinitialize(count: 1).deallocate()
        inbound.deinitialize(count: portCount).deallocate()
        txSpace.deallocate()
    }

    var ports: [FuzzPort] {
        (0..<portCount).map { FuzzPort(index: $0, live: live, sent: sent, inbound: inbound + $0, txSpace: txSpace + $0) }
    }
}
