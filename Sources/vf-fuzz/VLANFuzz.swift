import Foundation
import VFDriver

/// Fuzzes the tag parser and rewriter through `ForwardingPlan.decide` and a forwarding lane.
/// Input: byte 0 picks offload flags, bytes 1-2 a stripped TCI, the rest is the frame.
/// Checked per input: no crash or out-of-bounds read (each frame sits in an allocation of its
/// exact size, so AddressSanitizer sees any overread), the payload after the stack is untouched,
/// the translate and rewrite shortcuts decide as the general path does, the lane's accounting
/// identity holds with every buffer returned, and the lane sends what `SectionFour`, a plain
/// reading of the spec, says, or drops for the reason it gives.
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
          - { in: { port: b, vlan: untagged }, out: { port: a, vlan: 10 } }
          - { in: { port: b, vlan: any }, out: { port: a } }
        """, file: "fuzz.yaml")
    static let model = SectionFour(config: config)
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
        // The translate and rewrite tables are shortcuts: the general decision gives the same verdict and bytes.
        let general = FuzzBuffer(frame, strippedTCI: stripped)
        defer { general.release() }
        require(plan.decide(general, inPort: inPort, shortcut: false) == verdict, "a shortcut table disagrees")
        require(verdict < 0 || general.bytes == buffer.bytes, "a shortcut table rewrote differently")
        if verdict >= 0, !before.isMalformed {
            // Bytes after the in-frame stack are never touched; MACs never change.
            let tail = frame.count - TagStack.macBytes - before.inFrame * TagStack.tagBytes
            let out = buffer.bytes
            require(out.count >= tail + TagStack.macBytes, "frame shrank into its payload")
            require(Array(out.suffix(tail)) == Array(frame.suffix(tail)), "payload changed")
            require(Array(out.prefix(TagStack.macBytes)) == Array(frame.prefix(TagStack.macBytes)), "MACs changed")
        }

        // Through a lane, the receiving port's: every frame is sent or dropped for one reason,
        // and freed; bytes are counted as on the wire (a stripped tag received, a tag left to TX
        // insert sent).
        let wire = FuzzWire(inbound: (0..<2).map { $0 == inPort ? [(Array(frame), stripped)] : [] })
        let live = wire.live, sent = wire.sent
        let lane = ForwardingLane(plan: plan, ports: wire.ports, rxPairs: [(0, 0), (1, 0)], txQueue: 0, burst: 4)
        _ = lane.poll()
        var counters = [PortCounters(), PortCounters()]
        for port in 0..<2 { lane.counters.read(port: port, into: &counters[port]) }
        let received = counters[inPort]
        require(received.rxPackets == 1 && counters[1 - inPort].rxPackets == 0, "received")
        require(received.rxPackets == counters[0].txPackets + counters[1].txPackets + received.dropped, "accounting identity")
        require(live.pointee == 0, "a buffer was not freed")
        require(received.rxBytes == UInt64(frame.count + (stripped == nil ? 0 : TagStack.tagBytes)), "received bytes")
        require(counters[0].txBytes + counters[1].txBytes == UInt64(sent.pointee.reduce(0) { $0 + $1.bytes.count }), "sent bytes")

        // Where it went and in which bytes, as spec sections 4 and 5 say for the frame on the
        // wire: the NIC strips only the outer tag of a whole frame, which ends after its MACs.
        guard stripped == nil || frame.count >= TagStack.macBytes + 2 else { return }
        switch model.outcome(of: withTag(stripped, Array(frame)), inPort: inPort) {
        case .sent(let port, let bytes):
            require(sent.pointee.count == 1 && sent.pointee[0].port == port && sent.pointee[0].bytes == bytes,
                    "sent \(sent.pointee), section 4 says port \(port) with \(bytes)")
        case .dropped(let reason):
            require(sent.pointee.isEmpty && received.drops[reason.rawValue] == 1, "dropped \(received.drops), section 5 says \(reason.key)")
        }
    }
}
