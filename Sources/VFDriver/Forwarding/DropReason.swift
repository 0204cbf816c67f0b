/// Why a received frame was not sent (spec section 5); each is counted on the receiving port.
public enum DropReason: Int, CaseIterable, Sendable {
    /// Shorter than 14 bytes, a tag cut short, VID 4095 (or no headroom to push a tag).
    case malformed = 0
    /// No rule matches: tenant isolation, nothing unmatched leaks.
    case noRule = 1
    /// After rewrite, the bytes after the stack's ethertype exceed the out port's MTU.
    case mtu = 2
    /// The out queue stayed full through the bounded retry.
    case txFull = 3

    /// The key in the stats JSON.
    public var key: String {
        switch self {
        case .malformed: "malformed"
        case .noRule: "no_rule"
        case .mtu: "mtu"
        case .txFull: "tx_full"
        }
    }
}
