import Foundation
import VFDriver

/// Fuzzes the tag parser and rewriter through `ForwardingPlan.decide` and a forwarding lane.
/// Input: byte 0 picks offload flags, bytes 1-2 a stripped TCI, the rest is the frame.
/// Checked per input: no crash or out-of-bounds read (each frame sits in an allocation of its
/// exact size, so AddressSanitizer sees any overread), the payload after the stack is untouched,
/// the translate-table shortcut decides as the general path does, and the lane's accounting
/// identity holds with every buffer returned.
///
/// Built with `-sanitize=fuzzer -DFUZZING` libFuzzer drives it; otherwise it replays files.
enum VLANFuzz {
    static let config = try! ForwarderConfig.load(yaml: """
        ports:
          - { name: a, device: net_null0, mtu: 200 }
          - { name: b, device: net_null1, mtu: 100 }
        rules:
          - { in: { port: a, vlan: untagged }, out: { port: b, vlan: [80, 81] } }
          - { in: { port: a, vlan: 20 }, out: { port: b, vlan: untagged } }
          - { in: { port: a, vlan: 30 }, out: { port: b, vlan: 31 } }
          - { in: { port: a, vlan: 40 }, out: { port: b, vlan: [41, 42] } }
          - { in: { port: a, vlan: [50, 51] }, out: { port: b, vlan: untagged } }
          - { in: { port: a, vlan: [60, 61] }, out: { port: b, vlan: 62 } }
          - { in: { port: a, vlan: [70, 71] }, out: { port: b, vlan: [72, 73] } }
          - { in: { port: a, vlan: 90 }, out: { port: b } }
          - { in: { port: a, vlan: [91, 92] }, out: { port: b } }
          - { in: { port: a, vlan: any }, out: { port: b } }
          - { in: { port: b, vlan: any }, out: { port: a } }
        """, file: "fuzz.yaml")
    static let plans = [false, true].map { insert in ForwardingPlan(config: config, insertsTags: [insert, insert], stripsTags: [true, true]) }

    static func testOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) {
        guard size >= 3 else { return }
        let flags = data[0]
        let stripped: UInt16? = flags & 1 != 0 ? UInt16(data[1]) << 8 | UInt16(data[2]) : nil
        let plan = plans[Int(flags >> 1 & 1)]
        let inPort = Int(flags >> 2 & 1)
        let frame = UnsafeBufferPointer(start: data + 3, count: size - 3)

        let buffer = FuzzBuffer(frame, strippedTCI: stripped)
        defer { buffer.release() }
        let before = ParsedTags(frame: frame.baseAddress!, length: frame.count, strippedTCI: stripped)
        let verdict = plan.decide(buffer, inPort: inPort)
        // The translate table is a shortcut: the general decision gives the same verdict and bytes.
        let general = FuzzBuffer(frame, strippedTCI: stripped)
        defer { general.release() }
        precondition(plan.decide(general, inPort: inPort, shortcut: false) == verdict, "translate table disagrees")
        precondition(verdict < 0 || general.bytes == buffer.bytes, "translate table rewrote differently")
        guard verdict >= 0, !before.isMalformed else { return }
        // Bytes after the in-frame stack are never touched; MACs never change.
        let tail = frame.count - TagStack.macBytes - before.inFrame * TagStack.tagBytes
        let out = buffer.bytes
        precondition(out.count >= tail + TagStack.macBytes, "frame shrank into its payload")
        precondition(Array(out.suffix(tail)) == Array(frame.suffix(tail)), "payload changed")
        precondition(Array(out.prefix(TagStack.macBytes)) == Array(frame.prefix(TagStack.macBytes)), "MACs changed")

        // Through a lane: every frame is sent or dropped for one reason, and freed; bytes are
        // counted as on the wire (a stripped tag received, a tag left to TX insert sent).
        let live = UnsafeMutablePointer<Int>.allocate(capacity: 2)
        live.initialize(repeating: 0, count: 2)
        defer { live.deallocate() }
        let ports = [FuzzPort(live: live, inbound: frame, stripped: stripped), FuzzPort(live: live, inbound: nil, stripped: nil)]
        let lane = ForwardingLane(plan: plan, ports: ports, rxPairs: [(0, 0)], txQueue: 0, burst: 4)
        _ = lane.poll()
        var a = PortCounters(), b = PortCounters()
        lane.counters.read(port: 0, into: &a)
        lane.counters.read(port: 1, into: &b)
        precondition(a.rxPackets == 1 && a.rxPackets == a.txPackets + b.txPackets + a.dropped, "accounting identity")
        precondition(live.pointee == 0, "a buffer was not freed")
        precondition(a.rxBytes == UInt64(frame.count + (stripped == nil ? 0 : TagStack.tagBytes)), "received bytes")
        precondition(a.txBytes + b.txBytes == UInt64(live[1]), "sent bytes")
    }
}

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
        precondition(count <= state.pointee.length)
        state.pointee.offset += count
        state.pointee.length -= count
    }
    func free() {
        state.pointee.live?.pointee -= 1
        release()
    }
    func prefetch() {}
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: data, count: length)) }
}

/// Delivers one frame, then nothing; frees whatever it is asked to send, adding its bytes on
/// the wire to `live[1]` (`live[0]` counts buffers not yet freed).
struct FuzzPort: PacketPort {
    let live: UnsafeMutablePointer<Int>
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
            live[1] += buffers[i].wireLength
            buffers[i].free()
        }
        return count
    }
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// SwiftPM links an executable target's entry point under this name; hand control to libFuzzer.
@_cdecl("vlan_fuzz_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
        if let data { VLANFuzz.testOneInput(data, size) }
        return 0
    }
}
#else
/// Replays inputs (files, e.g. a corpus or a crash) without libFuzzer.
@main
enum ReplayMain {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            let data = [UInt8](FileManager.default.contents(atPath: path) ?? Data())
            data.withUnsafeBufferPointer { VLANFuzz.testOneInput($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
        }
    }
}
#endif
