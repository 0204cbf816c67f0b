/// What to do with a matched frame, precomputed from a rule.
@frozen
public struct VLANAction: Equatable {
    public var outPort: UInt16
    /// False when the rule has no output stack: the frame leaves as it came.
    public var rewrites: Bool
    /// Tags written: 0, 1 (TPID 0x8100) or 2 (outer 0x88a8, inner 0x8100).
    public var outCount: UInt8
    public var outerVID: UInt16
    public var innerVID: UInt16

    public init(rule: Rule) {
        outPort = UInt16(rule.outPort)
        rewrites = rule.output != nil
        switch rule.output {
        case nil, .untagged?: (outCount, outerVID, innerVID) = (0, 0, 0)
        case .single(let v)?: (outCount, outerVID, innerVID) = (1, v, 0)
        case .double(let o, let i)?: (outCount, outerVID, innerVID) = (2, o, i)
        }
    }
}
