import VFDriver

/// Spec sections 4 and 5 read plainly, for one frame as it was on the wire: the port and bytes
/// it leaves with, or why it is dropped. Slow and obvious on purpose, sharing no code with the
/// engine, so that the fuzzer checks the engine's tables, shortcuts and offloads against it.
struct SectionFour {
    enum Outcome: Equatable {
        case sent(port: Int, bytes: [UInt8])
        case dropped(DropReason)
    }

    let config: ForwarderConfig

    func outcome(of frame: [UInt8], inPort: Int) -> Outcome {
        let rules = config.rules.filter { $0.inPort == inPort }
        // A cross-connect: frames pass unparsed, malformed ones too.
        if rules.count == 1, rules[0].match == .any { return .sent(port: rules[0].outPort, bytes: frame) }
        guard frame.count >= 14 else { return .dropped(.malformed) }
        func field(_ offset: Int) -> Int { Int(frame[offset]) << 8 | Int(frame[offset + 1]) }
        let tpids: Set = [0x8100, 0x88a8, 0x9100]
        var tcis: [Int] = []
        var stackEnd = 12
        while tcis.count < 2, tpids.contains(field(stackEnd)) {
            // A tag needs its TCI and the type after it.
            guard frame.count >= stackEnd + 6 else { return .dropped(.malformed) }
            let tci = field(stackEnd + 2)
            guard tci & 0xfff != 0xfff else { return .dropped(.malformed) }
            tcis.append(tci)
            stackEnd += 4
        }
        let vids = tcis.map { UInt16($0 & 0xfff) }
        let stack: VLANStack? = switch vids.count {
        case 0: .untagged
        case 1: vids[0] == 0 ? .untagged : .single(vids[0])  // a priority tag counts as none
        default: tpids.contains(field(stackEnd)) ? nil : .double(outer: vids[0], inner: vids[1])
        }
        guard let rule = rules.first(where: { stack != nil && $0.match == .exact(stack!) }) ?? rules.first(where: { $0.match == .any }) else {
            return .dropped(.noRule)
        }
        if frame.count - stackEnd - 2 > config.ports[rule.outPort].mtu { return .dropped(.mtu) }
        guard let output = rule.output else { return .sent(port: rule.outPort, bytes: frame) }
        let outVIDs = output.vids
        var bytes = Array(frame[..<12])
        for (i, vid) in outVIDs.enumerated() {
            let priority = (i < tcis.count ? tcis[i] : tcis.first ?? 0) & 0xf000
            let tpid = outVIDs.count == 2 && i == 0 ? 0x88a8 : 0x8100
            bytes += [UInt8(tpid >> 8), UInt8(tpid & 0xff), UInt8((priority | vid) >> 8), UInt8((priority | vid) & 0xff)]
        }
        return .sent(port: rule.outPort, bytes: bytes + frame[stackEnd...])
    }
}

extension VLANStack {
    /// The VIDs written, outermost first; none for `untagged`.
    var vids: [Int] {
        switch self {
        case .untagged: []
        case .single(let vid): [Int(vid)]
        case .double(let outer, let inner): [Int(outer), Int(inner)]
        }
    }
}
