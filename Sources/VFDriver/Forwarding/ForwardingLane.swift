import Atomics

/// One core's forwarding loop (DPDK's basicfwd, with rules): receive a burst from each of its
/// (port, queue) pairs, decide every frame, send per out port, count drops by reason.
///
/// All state is in raw memory allocated once; the loop allocates nothing and retains nothing.
/// Each lane transmits on its own TX queue (`txQueue`) of every port, so lanes never share a queue.
public final class ForwardingLane<Port: PacketPort> {
    public typealias Buffer = Port.Buffer

    /// Kept alive for `tables`, which the loop reads without touching a reference count.
    public let plan: ForwardingPlan
    @usableFromInline let tables: ForwardingTables
    public let counters: LaneCounters
    public let txQueue: UInt16
    /// Frames asked of each receive: the config's burst, raised to what every port needs to
    /// deliver any (an 82599 VF's vector RX: 32). A larger request never waits for more frames.
    public let burst: Int
    /// How many times a TX queue that takes nothing is asked again before its frames drop.
    public let txRetries: Int

    @usableFromInline let ports: UnsafeMutablePointer<Port>
    @usableFromInline let portCount: Int
    /// What this lane polls, each with its cross-connect target resolved once.
    @usableFromInline let rxPairs: UnsafeMutablePointer<ReceivePair>
    @usableFromInline let rxPairCount: Int
    @usableFromInline let received: UnsafeMutablePointer<Buffer>
    /// Per received frame: its out port, or its drop reason (`ForwardingTables.decide`).
    @usableFromInline let verdicts: UnsafeMutablePointer<Int>
    /// Per out port: `burst` staged frames, their count and bytes. All come from one receive
    /// burst, so from one port: they are sent before the next burst is received.
    @usableFromInline let staged: UnsafeMutablePointer<Buffer>
    @usableFromInline let stagedCount: UnsafeMutablePointer<Int>
    @usableFromInline let stagedBytes: UnsafeMutablePointer<Int>

    /// A lane polling `rxPairs` (port index, queue) and sending on queue `txQueue` of each port.
    public init(plan: ForwardingPlan, ports: [Port], rxPairs: [(port: Int, queue: UInt16)],
                txQueue: UInt16, burst: Int, txRetries: Int = 32) {
        precondition(ports.count == plan.portCount && (1...512).contains(burst))
        let burst = max(burst, ports.map(\.minimumReceiveBurst).max() ?? 1)
        self.plan = plan
        tables = plan.tables
        self.txQueue = txQueue
        self.burst = burst
        self.txRetries = txRetries
        portCount = ports.count
        counters = LaneCounters(portCount: portCount)
        self.ports = .allocate(capacity: portCount)
        self.ports.initialize(from: ports, count: portCount)
        rxPairCount = rxPairs.count
        self.rxPairs = .allocate(capacity: max(1, rxPairCount))
        for (i, pair) in rxPairs.enumerated() {
            (self.rxPairs + i).initialize(to: ReceivePair(port: pair.port, queue: pair.queue,
                                                          crossConnectTarget: tables.crossConnectTarget(of: pair.port)))
        }
        received = .allocate(capacity: burst)
        verdicts = .allocate(capacity: burst)
        staged = .allocate(capacity: portCount * burst)
        stagedCount = .allocate(capacity: portCount)
        stagedCount.initialize(repeating: 0, count: portCount)
        stagedBytes = .allocate(capacity: portCount)
        stagedBytes.initialize(repeating: 0, count: portCount)
    }

    /// The ports this lane receives from.
    public var receivePorts: [Int] {
        (0..<rxPairCount).map { rxPairs[$0].port }.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }

    deinit {
        counters.deallocate()
        ports.deinitialize(count: portCount)
        ports.deallocate()
        rxPairs.deallocate()
        received.deallocate()
        verdicts.deallocate()
        staged.deallocate()
        stagedCount.deallocate()
        stagedBytes.deallocate()
    }

    /// Polls until `stop` is set, calling `tick` every 64 polls (for timers and stats).
    @inlinable
    public func run(until stop: UnsafeAtomic<Bool>, tick: () -> Void = {}) {
        primeReceiveQueues()
        var polls = 0
        while !stop.load(ordering: .relaxed) {
            _ = poll()
            polls &+= 1
            if polls & 63 == 0 { tick() }
        }
    }

    /// Asks every queue for no frames, before the first burst: a PMD whose receive gives its
    /// peer the buffers the peer sends into (memif's client side refills its ring there,
    /// `eth_memif_rx`) then lets the peer take the first burst, which would otherwise find no
    /// room until the lane came round to this port and drop as `tx_full`.
    @usableFromInline
    func primeReceiveQueues() {
        for index in 0..<rxPairCount {
            _ = ports[rxPairs[index].port].receive(queue: rxPairs[index].queue, into: received, capacity: 0)
        }
    }

    /// Polls every (port, queue) pair once; returns how many frames came in.
    @inlinable
    public func poll() -> Int {
        var total = 0
        for index in 0..<rxPairCount {
            let pair = rxPairs[index]
            let n = ports[pair.port].receive(queue: pair.queue, into: received, capacity: burst)
            if n == 0 { continue }
            total &+= n
            if pair.crossConnectTarget >= 0 {
                forwardUnparsed(n, from: pair.port, to: pair.crossConnectTarget)
            } else {
                forwardClassified(n, from: pair.port)
            }
        }
        return total
    }

    /// Cross-connect: the whole burst goes out unchanged, straight from the receive buffer, as
    /// `dpdk-testpmd --forward-mode=io` does.
    @inlinable
    func forwardUnparsed(_ n: Int, from inPort: Int, to outPort: Int) {
        var bytes = 0
        guard tables.stripsTags[inPort] else {
            for i in 0..<n { bytes &+= received[i].length }
            counters.addReceived(port: inPort, packets: n, bytes: bytes)
            send(received, count: n, bytes: bytes, on: outPort, from: inPort)
            return
        }
        for i in 0..<n { bytes &+= received[i].receivedWireLength }
        counters.addReceived(port: inPort, packets: n, bytes: bytes)
        let kept = restoreStrippedTags(n, from: inPort, to: outPort)
        bytes = 0
        for i in 0..<kept { bytes &+= received[i].wireLength }
        send(received, count: kept, bytes: bytes, on: outPort, from: inPort)
    }

    /// RX VLAN strip took tags out of frames that must leave unchanged: put them back, in the
    /// frame or for TX insert. Returns how many frames remain at the front of the burst; one whose
    /// buffer has no headroom for its tag (no PMD delivers such a buffer) is dropped as malformed.
    @inlinable
    func restoreStrippedTags(_ n: Int, from inPort: Int, to outPort: Int) -> Int {
        let insert = tables.insertsTags[outPort]
        var kept = 0
        for i in 0..<n {
            let buffer = received[i]
            if let tci = buffer.strippedTCI {
                buffer.clearStrippedTag()
                guard TagRewrite.restoreStripped(buffer, tci: tci, useInsertOffload: insert) else {
                    buffer.free()
                    counters.addDrops(port: inPort, reason: .malformed, count: 1)
                    continue
                }
            }
            received[kept] = buffer
            kept += 1
        }
        return kept
    }

    /// Classifies and rewrites a burst in place, then sends it: straight from the receive
    /// buffer when every frame goes to one port (the common case), else staged per out port.
    @inlinable
    func forwardClassified(_ n: Int, from inPort: Int) {
        let classified: ClassifiedBurst
        if let translation = tables.translations[inPort] {
            // One loop per case, so the per-frame test of the strip flag is compiled in or out.
            if tables.stripsTags[inPort] {
                classified = classify(n, from: inPort, stripping: true) { translation.translate($0, length: $1, mayBeStripped: true) }
            } else {
                classified = classify(n, from: inPort, stripping: false) { translation.translate($0, length: $1, mayBeStripped: false) }
            }
        } else {
            classified = classify(n, from: inPort, stripping: tables.stripsTags[inPort]) { _, _ in -1 }
        }
        let receivedBytes = classified.receivedBytes, rewrittenBytes = classified.rewrittenBytes
        let common = classified.common, uniform = classified.uniform
        counters.addReceived(port: inPort, packets: n, bytes: receivedBytes)
        if uniform && common >= 0 {
            send(received, count: n, bytes: addingInsertedTags(rewrittenBytes, received, count: n, on: common),
                 on: common, from: inPort)
            return
        }
        let staged = self.staged, stagedCount = self.stagedCount, stagedBytes = self.stagedBytes, burst = self.burst
        var malformed = 0, noRule = 0, mtu = 0
        for i in 0..<n {
            let buffer = received[i]
            let verdict = verdicts[i]
            if verdict >= 0 {
                staged[verdict * burst + stagedCount[verdict]] = buffer
                stagedCount[verdict] &+= 1
                stagedBytes[verdict] &+= buffer.length
            } else {
                buffer.free()
                switch verdict {
                case ForwardingTables.drop(.malformed): malformed += 1
                case ForwardingTables.drop(.noRule): noRule += 1
                default: mtu += 1
                }
            }
        }
        if malformed > 0 { counters.addDrops(port: inPort, reason: .malformed, count: malformed) }
        if noRule > 0 { counters.addDrops(port: inPort, reason: .noRule, count: noRule) }
        if mtu > 0 { counters.addDrops(port: inPort, reason: .mtu, count: mtu) }
        for out in 0..<portCount where stagedCount[out] > 0 { flush(out, from: inPort) }
    }

    /// Decides every frame of the burst into `verdicts`: `hotCase` first (a translate table,
    /// returning -1 when the frame is not its case), else the general decision. `stripping`:
    /// the port's RX VLAN strip is on, so frames may have arrived with a tag the NIC took off.
    @inlinable @inline(__always)
    func classify(_ n: Int, from inPort: Int, stripping: Bool, hotCase: (Buffer, Int) -> Int) -> ClassifiedBurst {
        // Locals, not properties: stores into frames could alias them, forcing reloads per frame.
        let tables = self.tables, received = self.received, verdicts = self.verdicts
        var receivedBytes = 0, lengthChange = 0, strippedBytes = 0
        // Every verdict equal exactly when their bitwise AND equals their OR: no branch per frame.
        var allAnd = -1, allOr = 0
        // The PMD wrote the mbuf headers but not the frames: start loading frames a few ahead.
        let ahead = 4
        for i in 0..<min(ahead, n) { received[i].prefetch() }
        for i in 0..<n {
            if i &+ ahead < n { received[i &+ ahead].prefetch() }
            let buffer = received[i]
            let length = buffer.length
            receivedBytes &+= length
            if stripping { strippedBytes &+= buffer.receivedWireLength &- length }
            var verdict = hotCase(buffer, length)
            if verdict < 0 {
                verdict = Self.decideInGeneral(buffer, tables: tables, inPort: inPort)
                lengthChange &+= buffer.length &- length
            }
            verdicts[i] = verdict
            allAnd &= verdict
            allOr |= verdict
        }
        return ClassifiedBurst(receivedBytes: receivedBytes &+ strippedBytes,
                               rewrittenBytes: receivedBytes &+ lengthChange,
                               common: allOr, uniform: allAnd == allOr)
    }

    /// Every frame but a translate (push and pop, then the general decision), kept out of line:
    /// inlined into `classify` its registers would push the hot case's values onto the stack.
    @inlinable @inline(never)
    static func decideInGeneral(_ buffer: Buffer, tables: ForwardingTables, inPort: Int) -> Int {
        tables.decideBesideTranslate(buffer, inPort: inPort)
    }

    /// Sends what is staged for `out`, frames that came in on `inPort`.
    @inlinable
    func flush(_ out: Int, from inPort: Int) {
        let n = stagedCount[out]
        let frames = staged + out * burst
        send(frames, count: n, bytes: addingInsertedTags(stagedBytes[out], frames, count: n, on: out), on: out, from: inPort)
        stagedCount[out] = 0
        stagedBytes[out] = 0
    }

    /// `bytes`, the frames' lengths, plus the tags `out` inserts on transmit: a tag left to TX
    /// insert is on the wire too, so it is counted before the frames leave us.
    @inlinable @inline(__always)
    func addingInsertedTags(_ bytes: Int, _ frames: UnsafeMutablePointer<Buffer>, count n: Int, on out: Int) -> Int {
        guard tables.insertsTags[out] else { return bytes }
        var bytes = bytes
        for i in 0..<n { bytes &+= frames[i].wireLength &- frames[i].length }
        return bytes
    }

    /// Sends `n` frames of `bytes` wire bytes on `out`; what the queue does not take is freed
    /// and counted as `tx_full` on `inPort`, where it came in.
    @inlinable
    func send(_ frames: UnsafeMutablePointer<Buffer>, count n: Int, bytes: Int, on out: Int, from inPort: Int) {
        var bytes = bytes
        let sent = transmit(frames, count: n, on: out)
        if sent < n {
            for i in sent..<n {
                bytes &-= frames[i].wireLength
                frames[i].free()
            }
            counters.addDrops(port: inPort, reason: .txFull, count: n - sent)
        }
        if sent > 0 { counters.addSent(port: out, packets: sent, bytes: bytes) }
    }

    /// Hands `n` frames to this lane's TX queue of `port`, asking again a bounded number of
    /// times while the queue takes nothing; returns how many it took (always a prefix).
    @inlinable
    func transmit(_ frames: UnsafeMutablePointer<Buffer>, count n: Int, on port: Int) -> Int {
        var sent = 0
        var idle = 0
        while sent < n {
            let k = ports[port].transmit(queue: txQueue, from: frames + sent, count: n - sent)
            sent += k
            if k == 0 {
                idle += 1
                if idle > txRetries { break }
            }
        }
        return sent
    }
}

/// What `classify` learnt about a burst: its bytes as received on the wire (tags RX strip took
/// off included) and its frames' lengths after rewrite, and whether every frame got the same
/// verdict (`common`).
@frozen @usableFromInline
struct ClassifiedBurst {
    @usableFromInline let receivedBytes: Int
    @usableFromInline let rewrittenBytes: Int
    @usableFromInline let common: Int
    @usableFromInline let uniform: Bool

    @inlinable
    init(receivedBytes: Int, rewrittenBytes: Int, common: Int, uniform: Bool) {
        self.receivedBytes = receivedBytes
        self.rewrittenBytes = rewrittenBytes
        self.common = common
        self.uniform = uniform
    }
}

/// One (port, queue) a lane receives from.
@frozen @usableFromInline
struct ReceivePair {
    @usableFromInline let port: Int
    @usableFromInline let queue: UInt16
    /// The out port when `port` is a cross-connect (its frames pass unparsed), else -1.
    @usableFromInline let crossConnectTarget: Int

    @usableFromInline
    init(port: Int, queue: UInt16, crossConnectTarget: Int) {
        self.port = port
        self.queue = queue
        self.crossConnectTarget = crossConnectTarget
    }
}
