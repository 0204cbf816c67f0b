/// The forwarding decision for every port, built once from a config and immutable while
/// forwarding: per-port classifiers, the actions they select, and each port's MTU.
public final class ForwardingPlan {
    public let portCount: Int
    @usableFromInline let classifiers: UnsafeMutablePointer<PortClassifier>
    @usableFromInline let actions: UnsafeMutablePointer<VLANAction>
    @usableFromInline let mtus: UnsafeMutablePointer<Int>
    /// Per port: TX VLAN insert is on, so a single output tag can be left to the NIC.
    @usableFromInline let insertsTags: UnsafeMutablePointer<Bool>
    /// Per port: RX VLAN strip is on, so a received tag may be in the mbuf, not the frame.
    @usableFromInline let stripsTags: UnsafeMutablePointer<Bool>

    /// `insertsTags`/`stripsTags`: per port, whether the device's VLAN offloads are on.
    public init(config: ForwarderConfig, insertsTags: [Bool]? = nil, stripsTags: [Bool]? = nil) {
        portCount = config.ports.count
        actions = .allocate(capacity: max(1, config.rules.count))
        for (i, rule) in config.rules.enumerated() { (actions + i).initialize(to: VLANAction(rule: rule)) }
        classifiers = .allocate(capacity: portCount)
        mtus = .allocate(capacity: portCount)
        self.insertsTags = .allocate(capacity: portCount)
        self.stripsTags = .allocate(capacity: portCount)
        for port in 0..<portCount {
            let rules = config.rules.enumerated().filter { $0.element.inPort == port }.map { (Int32($0.offset), $0.element) }
            (classifiers + port).initialize(to: PortClassifier(rules: rules))
            (mtus + port).initialize(to: config.ports[port].mtu)
            (self.insertsTags + port).initialize(to: insertsTags?[port] ?? false)
            (self.stripsTags + port).initialize(to: stripsTags?[port] ?? false)
        }
    }

    deinit {
        for port in 0..<portCount { classifiers[port].deallocate() }
        classifiers.deallocate()
        actions.deallocate()
        mtus.deallocate()
        insertsTags.deallocate()
        stripsTags.deallocate()
    }

    /// Classifies and rewrites one frame received on `inPort`: returns its out port (>= 0), or
    /// the negated `DropReason.rawValue + 1` (< 0). The buffer is not freed here.
    @inlinable
    public func decide<B: PacketBuffer>(_ buffer: B, inPort: Int) -> Int {
        let stripped = buffer.strippedTCI
        let tags = ParsedTags(frame: buffer.data, length: buffer.length, strippedTCI: stripped)
        if tags.isMalformed { return Self.drop(.malformed) }
        let index = classifiers[inPort].classify(tags)
        if index < 0 { return Self.drop(.noRule) }
        let action = actions[Int(index)]
        let out = Int(action.outPort)
        // The L3 bytes are those after the in-frame stack and its ethertype; a rewrite keeps them.
        let l3Bytes = buffer.length - TagStack.macBytes - 2 - tags.inFrame * TagStack.tagBytes
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

    @inlinable @inline(__always)
    static func drop(_ reason: DropReason) -> Int { -(reason.rawValue + 1) }

    /// The port's `any`-only target, when its frames pass unparsed (spec section 4, cross-connect).
    @inlinable
    public func crossConnectTarget(of port: Int) -> Int { Int(classifiers[port].crossConnect) }

    /// No tag of this port's frames can be in mbuf metadata, so they can pass unparsed.
    @inlinable
    public func strippingIsOff(port: Int) -> Bool { !stripsTags[port] }
}
