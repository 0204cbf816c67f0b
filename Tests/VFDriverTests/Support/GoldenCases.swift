import VFDriver

/// The VLAN golden suite's table (spec sections 4 and 5): frames for every n-to-m tag operation,
/// TPID, PCP/DEI pattern, priority tag, unmatched VID, more than two tags, runts, cut tags,
/// VID 4095 and the MTU boundary, with the exact frame each must produce or its drop reason.
enum GoldenCases {
    /// Frames enter on `a`, `c` and `d`; each has its own out port, so output order is known.
    static let yaml = """
        ports:
          - { name: a, device: net_null0 }
          - { name: b, device: net_null1 }
          - { name: c, device: net_null2 }
          - { name: x, device: net_null3 }
          - { name: d, device: net_null4 }
          - { name: y, device: net_null5 }
        rules:
          - { in: { port: a, vlan: untagged }, out: { port: b, vlan: [80, 81] } }
          - { in: { port: a, vlan: 20 }, out: { port: b, vlan: untagged } }
          - { in: { port: a, vlan: 30 }, out: { port: b, vlan: 31 } }
          - { in: { port: a, vlan: 40 }, out: { port: b, vlan: [41, 42] } }
          - { in: { port: a, vlan: [50, 51] }, out: { port: b, vlan: untagged } }
          - { in: { port: a, vlan: [60, 61] }, out: { port: b, vlan: 62 } }
          - { in: { port: a, vlan: [70, 71] }, out: { port: b, vlan: [72, 73] } }
          - { in: { port: a, vlan: 4094 }, out: { port: b, vlan: 1 } }
          - { in: { port: c, vlan: untagged }, out: { port: x, vlan: 10 } }
          - { in: { port: c, vlan: any }, out: { port: x } }
          - { in: { port: d, vlan: untagged }, out: { port: y, vlan: untagged } }
          - { in: { port: d, vlan: 90 }, out: { port: y } }
          - { in: { port: d, vlan: [91, 92] }, out: { port: y } }
        """

    enum Outcome: Equatable {
        case sent(outPort: String, frame: [UInt8])
        case dropped(DropReason)
    }

    struct Case {
        var name: String
        var inPort: String
        var input: [UInt8]
        var outcome: Outcome
        /// The frame as a `Frame` when it is well formed (for the offload variants).
        var frame: Frame?
    }

    /// The spec's rule 4, restated: output tag i takes input tag i's PCP/DEI, else the outermost's, else 0.
    static func rewritten(_ input: Frame, to vids: [UInt16]) -> [UInt8] {
        func priority(_ i: Int) -> UInt16 {
            if i < input.tags.count { return input.tags[i].tci & 0xf000 }
            return (input.tags.first?.tci ?? 0) & 0xf000
        }
        var out = input
        out.tags = vids.enumerated().map { i, vid in
            let tci = priority(i) | vid
            return Frame.Tag(tpid: vids.count == 2 && i == 0 ? 0x88a8 : 0x8100, pcp: tci >> 13, dei: tci & 0x1000 != 0, vid: vid)
        }
        return out.bytes
    }

    static var all: [Case] {
        var cases: [Case] = []
        var seed = 0
        func add(_ name: String, _ port: String, _ frame: Frame, _ outcome: (Frame) -> Outcome) {
            cases.append(Case(name: name, inPort: port, input: frame.bytes, outcome: outcome(frame), frame: frame))
        }
        func frame(_ tags: [Frame.Tag], payload: Int = 46) -> Frame {
            seed += 1
            return Frame(tags: tags, payloadBytes: payload, seed: seed)
        }
        let tpids: [UInt16] = [0x8100, 0x88a8, 0x9100]
        let priorities: [(UInt16, Bool)] = [(0, false), (7, false), (5, true), (0, true)]
        let out = { (vids: [UInt16], port: String) in { (f: Frame) in Outcome.sent(outPort: port, frame: rewritten(f, to: vids)) } }

        for (pcp, dei) in priorities {
            for tpid in tpids {
                let t = { (vid: UInt16) in tag(vid, pcp: pcp, dei: dei, tpid: tpid) }
                let inner = { (vid: UInt16) in tag(vid, pcp: (pcp + 3) % 8, dei: !dei, tpid: 0x8100) }
                add("1->0 tpid \(tpid) pcp \(pcp) dei \(dei)", "a", frame([t(20)]), out([], "b"))
                add("1->1", "a", frame([t(30)]), out([31], "b"))
                add("1->2", "a", frame([t(40)]), out([41, 42], "b"))
                add("2->0", "a", frame([t(50), inner(51)]), out([], "b"))
                add("2->1", "a", frame([t(60), inner(61)]), out([62], "b"))
                add("2->2", "a", frame([t(70), inner(71)]), out([72, 73], "b"))
                add("VID 4094", "a", frame([t(4094)]), out([1], "b"))
                add("priority tag counts as untagged", "a", frame([t(0)]), out([80, 81], "b"))
                add("priority tag 0->1", "c", frame([t(0)]), out([10], "x"))
                add("unmatched VID", "a", frame([t(21)])) { _ in .dropped(.noRule) }
                add("unmatched pair", "a", frame([t(50), inner(52)])) { _ in .dropped(.noRule) }
                add("three tags", "a", frame([t(50), inner(51), tag(9)])) { _ in .dropped(.noRule) }
                add("any passes unchanged", "c", frame([t(77), inner(78)])) { f in .sent(outPort: "x", frame: f.bytes) }
                add("three tags under any", "c", frame([t(1), tag(2), tag(3)])) { f in .sent(outPort: "x", frame: f.bytes) }
                add("VID 4095 outer", "a", frame([t(4095)])) { _ in .dropped(.malformed) }
                add("VID 4095 inner", "a", frame([t(50), inner(4095)])) { _ in .dropped(.malformed) }
                add("VID 4095 under any", "c", frame([t(4095)])) { _ in .dropped(.malformed) }
                add("exact rule without out vlan, 1 tag", "d", frame([t(90)])) { f in .sent(outPort: "y", frame: f.bytes) }
                add("exact rule without out vlan, 2 tags", "d", frame([t(91), inner(92)])) { f in .sent(outPort: "y", frame: f.bytes) }
            }
        }
        add("0->2", "a", frame([]), out([80, 81], "b"))
        add("0->1", "c", frame([]), out([10], "x"))
        add("0->0", "d", frame([]), out([], "y"))
        add("priority tag 1->0", "d", frame([tag(0, pcp: 6)]), out([], "y"))
        add("double tag is not untagged", "d", frame([tag(5), tag(6)])) { _ in .dropped(.noRule) }
        add("no ethertype change", "a", { var f = frame([tag(30)]); f.etherType = 0x86dd; return f }(), out([31], "b"))

        // MTU 1500 on every port: the L3 bytes after the stack's ethertype decide.
        add("MTU exactly, 1->1", "a", frame([tag(30)], payload: 1500), out([31], "b"))
        add("MTU + 1, 1->1", "a", frame([tag(30)], payload: 1501)) { _ in .dropped(.mtu) }
        add("MTU exactly, 0->2", "a", frame([], payload: 1500), out([80, 81], "b"))
        add("MTU + 1, 0->2", "a", frame([], payload: 1501)) { _ in .dropped(.mtu) }
        add("MTU exactly, 2->0", "a", frame([tag(50), tag(51)], payload: 1500), out([], "b"))
        add("MTU + 1, 2->0", "a", frame([tag(50), tag(51)], payload: 1501)) { _ in .dropped(.mtu) }
        add("MTU exactly, 2->2", "a", frame([tag(70, tpid: 0x88a8), tag(71)], payload: 1500), out([72, 73], "b"))
        add("MTU + 1, 2->2", "a", frame([tag(70, tpid: 0x88a8), tag(71)], payload: 1501)) { _ in .dropped(.mtu) }
        // Longer than one packet buffer: DPDK's pcap PMD and the mock deliver it in segments.
        add("jumbo in segments, 1->1", "a", frame([tag(30)], payload: 9000)) { _ in .dropped(.mtu) }
        // A port that is only ever an `out` is polled too: what arrives there matches no rule.
        add("port without rules, tagged", "x", frame([tag(10)])) { _ in .dropped(.noRule) }
        add("port without rules, untagged", "x", frame([])) { _ in .dropped(.noRule) }

        // Runts and cut tags.
        let full = frame([tag(50), tag(51)]).bytes
        for length in [0, 1, 6, 13] {
            cases.append(Case(name: "runt \(length)", inPort: "a", input: Array(full.prefix(length)), outcome: .dropped(.malformed)))
            cases.append(Case(name: "runt \(length) under any", inPort: "c", input: Array(full.prefix(length)), outcome: .dropped(.malformed)))
        }
        for length in [14, 15, 16, 17, 18, 19, 20, 21] {
            cases.append(Case(name: "cut tag \(length)", inPort: "a", input: Array(full.prefix(length)), outcome: .dropped(.malformed)))
        }
        // 22 bytes: two whole tags and an ethertype, no payload: well formed.
        cases.append(Case(name: "bare double tag", inPort: "a", input: Array(full.prefix(22)),
                          outcome: .sent(outPort: "b", frame: Array(full.prefix(12)) + Array(full[20..<22]))))
        // 14 bytes untagged: well formed, empty payload.
        let bare = frame([]).bytes
        cases.append(Case(name: "bare untagged", inPort: "d", input: Array(bare.prefix(14)), outcome: .sent(outPort: "y", frame: Array(bare.prefix(14)))))
        return cases
    }
}
