/// Spec sections 4 and 5 restated on byte arrays, independently of the engine (no `TagStack`,
/// no classifier): what vf-fwd must send and count for any traffic, to check it against.
struct SpecModel {
    enum VLAN: Hashable {
        case untagged
        case stack([UInt16])
    }

    struct Rule {
        var inPort: String
        /// nil: `vlan: any`.
        var match: VLAN?
        var outPort: String
        /// nil: no `vlan` in `out`, the frame leaves as it came.
        var output: VLAN?
    }

    struct Counts: Equatable {
        var rxPackets = 0, rxBytes = 0, txPackets = 0, txBytes = 0
        var drops: [String: Int] = ["malformed": 0, "no_rule": 0, "mtu": 0, "tx_full": 0]
    }

    static let tpids: Set<UInt16> = [0x8100, 0x88a8, 0x9100]

    var mtus: [String: Int]
    var rules: [Rule]

    /// Frames each port sends and every port's counts, for frames received per port.
    func forward(_ received: [String: [[UInt8]]]) -> (sent: [String: [[UInt8]]], counts: [String: Counts]) {
        var sent: [String: [[UInt8]]] = [:]
        var counts = Dictionary(uniqueKeysWithValues: mtus.keys.map { ($0, Counts()) })
        for (port, frames) in received {
            let crossConnect = rules.contains { $0.inPort == port && $0.match == nil }
                && !rules.contains { $0.inPort == port && $0.match != nil }
            for frame in frames {
                counts[port]!.rxPackets += 1
                counts[port]!.rxBytes += frame.count
                let verdict: Result<(String, [UInt8]), DropReasonKey>
                if crossConnect {
                    verdict = .success((rules.first { $0.inPort == port }!.outPort, frame))
                } else {
                    verdict = decide(frame, on: port)
                }
                switch verdict {
                case .success(let (out, bytes)):
                    sent[out, default: []].append(bytes)
                    counts[out]!.txPackets += 1
                    counts[out]!.txBytes += bytes.count
                case .failure(let reason):
                    counts[port]!.drops[reason.rawValue]! += 1
                }
            }
        }
        return (sent, counts)
    }

    enum DropReasonKey: String, Error {
        case malformed, noRule = "no_rule", mtu
    }

    func decide(_ frame: [UInt8], on port: String) -> Result<(String, [UInt8]), DropReasonKey> {
        func u16(_ at: Int) -> UInt16 { UInt16(frame[at]) << 8 | UInt16(frame[at + 1]) }
        guard frame.count >= 14 else { return .failure(.malformed) }
        var tcis: [UInt16] = []
        var offset = 12
        while tcis.count < 2, Self.tpids.contains(u16(offset)) {
            guard frame.count >= offset + 6 else { return .failure(.malformed) }
            let tci = u16(offset + 2)
            guard tci & 0xfff != 0xfff else { return .failure(.malformed) }
            tcis.append(tci)
            offset += 4
        }
        let moreThanTwo = tcis.count == 2 && Self.tpids.contains(u16(offset))
        let key: VLAN? = moreThanTwo ? nil
            : tcis.isEmpty || (tcis.count == 1 && tcis[0] & 0xfff == 0) ? .untagged : .stack(tcis.map { $0 & 0xfff })
        guard let rule = rules.first(where: { $0.inPort == port && $0.match != nil && $0.match == key })
                ?? rules.first(where: { $0.inPort == port && $0.match == nil })
        else { return .failure(.noRule) }
        let l3Bytes = frame.count - offset - 2
        guard l3Bytes <= mtus[rule.outPort]! else { return .failure(.mtu) }
        guard let output = rule.output else { return .success((rule.outPort, frame)) }
        let vids: [UInt16] = if case .stack(let v) = output { v } else { [] }
        var stack: [UInt8] = []
        for (i, vid) in vids.enumerated() {
            let priority = (i < tcis.count ? tcis[i] : tcis.first ?? 0) & 0xf000
            let tpid: UInt16 = vids.count == 2 && i == 0 ? 0x88a8 : 0x8100
            let tci = priority | vid
            stack += [UInt8(tpid >> 8), UInt8(tpid & 0xff), UInt8(tci >> 8), UInt8(tci & 0xff)]
        }
        return .success((rule.outPort, Array(frame[..<12]) + stack + Array(frame[offset...])))
    }
}

/// A reproducible random source for generated traffic (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
