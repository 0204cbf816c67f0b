import VFDriver

/// Fuzzes the engine over rule sets and traffic together: the input describes 2 to 4 ports
/// (MTU, RX strip, TX insert, and for some a TX queue that fills up), up to 11 rules over a few VLAN stacks (any, untagged, single,
/// QinQ; cross-connects when a port's only rule is `any`), a burst size, and up to 64 frames
/// whose stacks, TPIDs, PCPs, VIDs (0 and 4095 too) and lengths (around every MTU, cut short)
/// it picks. All frames go through one lane. Checked per input: each port sends the frames
/// `SectionFour` says, in its bytes (all of them while its queue has room, and the others
/// count as `tx_full`), and each port's other drops are the reasons it gives; received and
/// sent bytes are those on the wire; every buffer is freed.
enum RulesFuzz {
    static let stacks: [VLANMatch] = [.any, .exact(.untagged), .exact(.single(1)), .exact(.single(100)), .exact(.single(4094)),
                                      .exact(.double(outer: 100, inner: 1)), .exact(.double(outer: 5, inner: 6)),
                                      .exact(.double(outer: 1, inner: 100))]
    static let outputs: [VLANStack?] = [nil, .untagged, .single(1), .single(100), .single(4094), .double(outer: 5, inner: 6),
                                        .double(outer: 100, inner: 1)]
    static let mtus = [68, 100, 1500, 9000]
    static let tpids: [UInt16] = [0x8100, 0x88a8, 0x9100, 0x0800]
    static let vids: [UInt16] = [1, 100, 4094, 0, 4095, 5, 6, 7]
    static let payloads = [0, 1, 46, 67, 68, 69, 99, 100, 101, 1499, 1500, 1501, 8999, 9000, 9001]

    static func testOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) {
        var input = FuzzInput(data, size)
        let shape = input.next()
        let portCount = 2 + Int(shape % 3)
        let burst = [1, 3, 4, 32][Int(shape >> 2 & 3)]
        var config = ForwarderConfig(ports: [], rules: [])
        var strips: [Bool] = [], inserts: [Bool] = [], txSpace: [Int] = []
        for i in 0..<portCount {
            let flags = input.next()
            txSpace.append(flags & 0xc0 == 0xc0 ? Int(flags & 0x3f) : .max)
            var port = PortConfig(name: "p\(i)", device: .vdev(name: "net_null\(i)", arguments: "net_null\(i)"))
            port.mtu = mtus[Int(flags & 3)]
            config.ports.append(port)
            strips.append(flags & 4 != 0)
            inserts.append(flags & 8 != 0)
        }
        for _ in 0..<Int(input.next() % 12) {
            let inPort = Int(input.next()) % portCount, match = stacks[Int(input.next()) % stacks.count]
            let outPort = Int(input.next()) % portCount, output = outputs[Int(input.next()) % outputs.count]
            guard !config.rules.contains(where: { $0.inPort == inPort && $0.match == match }) else { continue }
            config.rules.append(Rule(inPort: inPort, match: match, outPort: outPort, output: match == .any ? nil : output))
        }
        config.burst = burst

        // The frames on the wire, and as the NIC delivers them.
        var frames: [(port: Int, bytes: [UInt8])] = []
        while !input.isEmpty && frames.count < 64 {
            let port = Int(input.next()) % portCount
            var bytes: [UInt8] = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01]
            let shape = input.next()
            for _ in 0..<Int(shape & 3) {
                let tag = input.next()
                let tpid = tpids[Int(tag & 3)], tci = UInt16(tag >> 4) << 12 | vids[Int(tag >> 2 & 3) | Int(tag >> 4 & 4)]
                bytes += [UInt8(tpid >> 8), UInt8(tpid & 0xff), UInt8(tci >> 8), UInt8(tci & 0xff)]
            }
            bytes += [0x08, 0x00] + [UInt8](repeating: input.next(), count: payloads[Int(shape >> 2) % payloads.count])
            if shape & 0x80 != 0 { bytes.removeLast(min(bytes.count, Int(input.next()))) }  // cut short
            frames.append((port, bytes))
        }
        let inbound: [[InboundFrame]] = (0..<portCount).map { port in
            frames.filter { $0.port == port }.map { strips[port] ? strip($0.bytes) : ($0.bytes, nil) }
        }

        let wire = FuzzWire(inbound: inbound, txSpace: txSpace)
        let plan = ForwardingPlan(config: config, insertsTags: inserts, stripsTags: strips)
        let lane = ForwardingLane(plan: plan, ports: wire.ports, rxPairs: (0..<portCount).map { ($0, 0) }, txQueue: 0, burst: burst)
        while lane.poll() > 0 {}
        require(wire.live.pointee == 0, "\(wire.live.pointee) buffers not freed")

        let model = SectionFour(config: config)
        var expectedSent = [[[UInt8]]](repeating: [], count: portCount)
        var expectedDrops = [[UInt64]](repeating: [0, 0, 0, 0], count: portCount)
        for frame in frames {
            switch model.outcome(of: frame.bytes, inPort: frame.port) {
            case .sent(let port, let bytes): expectedSent[port].append(bytes)
            case .dropped(let reason): expectedDrops[frame.port][reason.rawValue] += 1
            }
        }
        var counters = [PortCounters](repeating: PortCounters(), count: portCount)
        for port in 0..<portCount { lane.counters.read(port: port, into: &counters[port]) }
        for port in 0..<portCount {
            let sent = wire.sent.pointee.filter { $0.port == port }.map(\.bytes)
            // As many as the queue had room for, each one section 4 sends: with room for all,
            // exactly those.
            require(sent.count == min(txSpace[port], expectedSent[port].count) && isSubset(sent, of: expectedSent[port]),
                    "port \(port) with room for \(txSpace[port]) sent \(sent), section 4 says \(expectedSent[port]) (config \(config))")
            var drops = counters[port].drops
            drops[DropReason.txFull.rawValue] = 0
            require(drops == expectedDrops[port], "port \(port) dropped \(counters[port].drops), section 5 says \(expectedDrops[port])")
            let arrived = frames.filter { $0.port == port }
            require(counters[port].rxPackets == UInt64(arrived.count) && counters[port].rxBytes == UInt64(arrived.reduce(0) { $0 + $1.bytes.count }),
                    "port \(port) received \(counters[port].rxPackets) frames, \(counters[port].rxBytes) bytes")
            require(counters[port].txPackets == UInt64(sent.count) && counters[port].txBytes == UInt64(sent.reduce(0) { $0 + $1.count }),
                    "port \(port) sent \(counters[port].txPackets) frames, \(counters[port].txBytes) bytes")
        }
        let unsent = expectedSent.reduce(0) { $0 + $1.count } - wire.sent.pointee.count
        require(counters.reduce(0) { $0 + $1[.txFull] } == UInt64(unsent), "tx_full counts \(unsent) frames section 4 sends but no queue took")
    }

    /// Whether every frame of `part` is in `whole`, as often at least.
    static func isSubset(_ part: [[UInt8]], of whole: [[UInt8]]) -> Bool {
        var left = Dictionary(whole.map { ($0, 1) }, uniquingKeysWith: +)
        for frame in part {
            guard let n = left[frame], n > 0 else { return false }
            left[frame] = n - 1
        }
        return true
    }

    /// What an 82599 with RX VLAN strip delivers: the outer 802.1Q tag of a whole frame moved
    /// into metadata.
    static func strip(_ bytes: [UInt8]) -> InboundFrame {
        guard bytes.count >= 18, bytes[12] == 0x81, bytes[13] == 0x00 else { return (bytes, nil) }
        return (Array(bytes[..<12] + bytes[16...]), UInt16(bytes[14]) << 8 | UInt16(bytes[15]))
    }
}

/// The fuzzer's bytes read front to back; zeros once they run out.
struct FuzzInput {
    private var bytes: UnsafeBufferPointer<UInt8>
    private var position = 0

    init(_ data: UnsafePointer<UInt8>, _ size: Int) { bytes = UnsafeBufferPointer(start: data, count: size) }

    var isEmpty: Bool { position >= bytes.count }

    mutating func next() -> UInt8 {
        defer { position += 1 }
        return position < bytes.count ? bytes[position] : 0
    }
}
