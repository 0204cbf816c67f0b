/// The forwarding decision for every port, built once from a config and immutable while
/// forwarding. The class owns the memory; lanes copy `tables`, a struct of raw pointers, so
/// deciding a frame touches no reference count.
public final class ForwardingPlan {
    public let tables: ForwardingTables
    public var portCount: Int { tables.portCount }

    /// `insertsTags`/`stripsTags`: per port, whether the device's VLAN offloads are on.
    public init(config: ForwarderConfig, insertsTags: [Bool]? = nil, stripsTags: [Bool]? = nil) {
        let portCount = config.ports.count
        let actions = UnsafeMutablePointer<VLANAction>.allocate(capacity: max(1, config.rules.count))
        for (i, rule) in config.rules.enumerated() { (actions + i).initialize(to: VLANAction(rule: rule)) }
        let classifiers = UnsafeMutablePointer<PortClassifier>.allocate(capacity: portCount)
        let mtus = UnsafeMutablePointer<Int>.allocate(capacity: portCount)
        let inserts = UnsafeMutablePointer<Bool>.allocate(capacity: portCount)
        let strips = UnsafeMutablePointer<Bool>.allocate(capacity: portCount)
        let crossConnectTargets = config.crossConnectTargets, ruleIndices = config.ruleIndicesByInPort
        for port in 0..<portCount {
            let rules = ruleIndices[port].map { (Int32($0), config.rules[$0]) }
            (classifiers + port).initialize(to: PortClassifier(rules: rules, crossConnect: crossConnectTargets[port]))
            (mtus + port).initialize(to: config.ports[port].mtu)
            (inserts + port).initialize(to: insertsTags?[port] ?? false)
            (strips + port).initialize(to: stripsTags?[port] ?? false)
        }
        let translations = UnsafeMutablePointer<TranslateTable?>.allocate(capacity: portCount)
        let rewrites = UnsafeMutablePointer<RewriteTable?>.allocate(capacity: portCount)
        for port in 0..<portCount {
            (translations + port).initialize(to: TranslateTable(classifier: classifiers[port], actions: actions, mtus: mtus,
                                                                insertsTags: inserts))
            (rewrites + port).initialize(to: RewriteTable(classifier: classifiers[port], actions: actions, mtus: mtus,
                                                          insertsTags: inserts))
        }
        tables = ForwardingTables(portCount: portCount, classifiers: classifiers, translations: translations, rewrites: rewrites,
                                  actions: actions, mtus: mtus, insertsTags: inserts, stripsTags: strips)
    }

    deinit {
        for port in 0..<portCount {
            tables.classifiers[port].deallocate()
            tables.translations[port]?.deallocate()
            tables.rewrites[port]?.deallocate()
        }
        tables.classifiers.deallocate()
        tables.translations.deallocate()
        tables.rewrites.deallocate()
        tables.actions.deallocate()
        tables.mtus.deallocate()
        tables.insertsTags.deallocate()
        tables.stripsTags.deallocate()
    }

    /// See `ForwardingTables.decide`; the port's `TranslateTable` and `RewriteTable` are tried
    /// first unless `shortcut` is false (tests check that both ways decide alike).
    @inlinable
    public func decide<B: PacketBuffer>(_ buffer: B, inPort: Int, shortcut: Bool = true) -> Int {
        guard shortcut else { return tables.decide(buffer, classifier: tables.classifiers[inPort]) }
        if let translated = tables.translations[inPort]?.translate(buffer, length: buffer.length, mayBeStripped: true), translated >= 0 {
            return translated
        }
        return tables.decideBesideTranslate(buffer, inPort: inPort)
    }
}

/// The plan's tables, valid while its `ForwardingPlan` lives: per-port classifiers, the actions
/// they select, each port's MTU and VLAN offloads.
@frozen
public struct ForwardingTables {
    public let portCount: Int
    @usableFromInline let classifiers: UnsafeMutablePointer<PortClassifier>
    /// Per port: its single-tag translations, when it has any (the hot case, decided in one load).
    @usableFromInline let translations: UnsafeMutablePointer<TranslateTable?>
    /// Per port: its other rewrites in software (push, pop, QinQ), when it has any (decided in one
    /// lookup too).
    @usableFromInline let rewrites: UnsafeMutablePointer<RewriteTable?>
    @usableFromInline let actions: UnsafeMutablePointer<VLANAction>
    @usableFromInline let mtus: UnsafeMutablePointer<Int>
    /// Per port: TX VLAN insert is on, so a single output tag can be left to the NIC.
    @usableFromInline let insertsTags: UnsafeMutablePointer<Bool>
    /// Per port: RX VLAN strip is on, so a received tag may be in the mbuf, not the frame.
    @usableFromInline let stripsTags: UnsafeMutablePointer<Bool>

    init(portCount: Int, classifiers: UnsafeMutablePointer<PortClassifier>, translations: UnsafeMutablePointer<TranslateTable?>,
         rewrites: UnsafeMutablePointer<RewriteTable?>,
         actions: UnsafeMutablePointer<VLANAction>, mtus: UnsafeMutablePointer<Int>, insertsTags: UnsafeMutablePointer<Bool>,
         stripsTags: UnsafeMutablePointer<Bool>) {
        self.portCount = portCount
        self.classifiers = classifiers
        self.translations = translations
        self.rewrites = rewrites
        self.actions = actions
        self.mtus = mtus
        self.insertsTags = insertsTags
        self.stripsTags = stripsTags
    }

    /// Classifies and rewrites one frame: returns its out port (>= 0), or the negated
    /// `DropReason.rawValue + 1` (< 0). The buffer is not freed here. `classifier` is the
    /// receiving port's, read once per burst by the caller: stores into frames could alias the
    /// tables, so the compiler would otherwise reload it for every frame. The port's
    /// `TranslateTable`, if it has one, is a shortcut for some frames, not a prerequisite.
    @inlinable @inline(__always)
    public func decide<B: PacketBuffer>(_ buffer: B, classifier: PortClassifier) -> Int {
        let stripped = buffer.strippedTCI
        let tags = ParsedTags(frame: buffer.data, length: buffer.length, strippedTCI: stripped)
        if tags.isMalformed { return Self.drop(.malformed) }
        let index = classifier.classify(tags)
        if index < 0 { return Self.drop(.noRule) }
        let action = actions[Int(index)]
        let out = Int(action.outPort)
        // The L3 bytes are those after the in-frame stack and its ethertype; a rewrite keeps them.
        let l3Bytes = buffer.length - TagStack.headerBytes(tags: tags.inFrame)
        if l3Bytes > mtus[out] { return Self.drop(.mtu) }
        if stripped != nil { buffer.clearStrippedTag() }
        let done: Bool
        if action.rewrites {
            done = TagRewrite.apply(buffer, tags: tags, outCount: Int(action.outCount), outerVID: action.outerVID,
                                    innerVID: action.innerVID, useInsertOffload: insertsTags[out])
        } else if let tci = stripped {
            done = TagRewrite.restoreStripped(buffer, tci: tci, useInsertOffload: insertsTags[out])
        } else {
            done = true
        }
        return done ? out : Self.drop(.malformed)
    }

    /// A frame that is not a translate of `inPort`'s: its other rewrite, else the general decision.
    @inlinable @inline(__always)
    func decideBesideTranslate<B: PacketBuffer>(_ buffer: B, inPort: Int) -> Int {
        if let rewrite = rewrites[inPort] {
            let out = rewrite.decide(buffer)
            if out >= 0 { return out }
        }
        return decide(buffer, classifier: classifiers[inPort])
    }

    @inlinable @inline(__always)
    static func drop(_ reason: DropReason) -> Int { -(reason.rawValue + 1) }

    /// The port's `any`-only target, when its frames pass unparsed (spec section 4, cross-connect).
    @inlinable
    public func crossConnectTarget(of port: Int) -> Int { Int(classifiers[port].crossConnect) }
}
