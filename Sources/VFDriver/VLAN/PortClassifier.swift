/// One input port's rules as lookup tables: which action a tag stack selects, in O(1).
@frozen
public struct PortClassifier {
    /// The out port when this port's only rule is `any`: frames pass without being parsed.
    public var crossConnect: Int32
    @usableFromInline var untagged: Int32 = -1
    @usableFromInline var any: Int32 = -1
    /// Indexed by VID: an action index or -1. Absent when the port has no single-tag rule.
    @usableFromInline var single: UnsafeMutablePointer<Int32>?
    @usableFromInline var double: QinQTable<Int32>?

    /// The action index for `tags` (not malformed), or -1: no rule matches.
    @inlinable @inline(__always)
    public func classify(_ tags: ParsedTags) -> Int32 {
        let exact: Int32
        if tags.isUntagged {
            exact = untagged
        } else if tags.count == 1 {
            exact = single?[Int(tags.outerTCI & 0x0fff)] ?? -1
        } else if tags.count == 2 {
            exact = double?.lookup(outer: tags.outerTCI, inner: tags.innerTCI) ?? -1
        } else {
            exact = -1  // more than two tags match no exact rule
        }
        return exact >= 0 ? exact : any
    }

    /// `crossConnect`: the out port when the port is a cross-connect
    /// (`ForwarderConfig.crossConnectTargets`).
    init(rules: [(index: Int32, rule: Rule)], crossConnect: Int?) {
        self.crossConnect = crossConnect.map(Int32.init) ?? -1
        var pairs: [(outer: UInt16, inner: UInt16, value: Int32)] = []
        for (index, rule) in rules {
            switch rule.match {
            case .any: any = index
            case .exact(.untagged): untagged = index
            case .exact(.single(let vid)):
                if single == nil {
                    single = .allocate(capacity: 4096)
                    single!.initialize(repeating: -1, count: 4096)
                }
                single![Int(vid)] = index
            case .exact(.double(let outer, let inner)): pairs.append((outer, inner, index))
            }
        }
        if !pairs.isEmpty { double = QinQTable(entries: pairs, absent: -1) }
    }

    func deallocate() {
        single?.deallocate()
        double?.deallocate()
    }
}
