import Atomics

#if canImport(Glibc)
import Glibc
#endif

/// A fixed-capacity, lock-free FIFO of pointer-sized values with DPDK `rte_ring` semantics.
///
/// - Producers and consumers are each either `.single` (one thread at a time, the fast path)
///   or `.multi` (any number of threads, compare-and-swap on the head), chosen at creation.
/// - `enqueueBulk`/`dequeueBulk` move all `count` elements or none; `enqueueBurst`/
///   `dequeueBurst` move as many as fit or are present. Both return how many moved.
/// - The capacity is exactly what was asked: a ring of 1000 holds 1000 elements.
///
/// Indices are free-running 32-bit counters compared with wrapping arithmetic, so the ring
/// never needs a sentinel slot. Each side publishes its tail with a release store and reads the
/// other side's tail with an acquire load; that pair is the only ordering needed. Each side keeps
/// a copy of the other side's tail on its own cache line and re-reads the real one only when the
/// copy says the ring is full (empty), which leaves the other side's line where it is (Rigtorp's
/// SPSCQueue); the other side's polling only ever takes the published tail's line away
/// (`RingLayout`). A single producer (consumer) keeps its copy in plain memory; multiple producers
/// (consumers) share it through release/acquire, and since a tail only grows, a stale copy only
/// underestimates the room, except when it is so stale the arithmetic wraps, which is detected.
public final class Ring<Element: BitwiseCopyable> {
    public enum Synchronization: Sendable {
        case single
        case multi
    }

    /// Elements the ring holds at most.
    public let capacity: Int
    @usableFromInline let mask: UInt32
    @usableFromInline let capacity32: UInt32
    @usableFromInline let multiProducer: Bool
    @usableFromInline let multiConsumer: Bool

    /// Producers' line: head (claimed; a single producer's own next index) and the producers'
    /// copy of the consumer tail (plain for a single producer, shared by multiple ones). The
    /// consumer never reads it, so the producer's loads from it never miss.
    @usableFromInline let producerHead: UnsafeAtomic<UInt32>
    @usableFromInline let cachedConsumerTail: UnsafeMutablePointer<UInt32>
    @usableFromInline let sharedConsumerTail: UnsafeAtomic<UInt32>
    /// The published producer tail, alone on its line: the one the consumer reads.
    @usableFromInline let producerTail: UnsafeAtomic<UInt32>
    /// Consumers' line and the published consumer tail: the mirror image.
    @usableFromInline let consumerHead: UnsafeAtomic<UInt32>
    @usableFromInline let cachedProducerTail: UnsafeMutablePointer<UInt32>
    @usableFromInline let sharedProducerTail: UnsafeAtomic<UInt32>
    @usableFromInline let consumerTail: UnsafeAtomic<UInt32>
    /// The elements' 64-bit patterns; the consumer reads each as a relaxed atomic (`copyOut`).
    @usableFromInline let slots: UnsafeMutablePointer<UInt64.AtomicRepresentation>
    private let block: UnsafeMutableRawPointer

    /// Creates an empty ring of exactly `capacity` elements (1 ... 2^31).
    public convenience init(capacity: Int, producers: Synchronization = .single, consumers: Synchronization = .single) {
        self.init(capacity: capacity, producers: producers, consumers: consumers, startIndex: 0)
    }

    /// `startIndex` places both sides at an arbitrary index, so tests can cross 2^32.
    init(capacity: Int, producers: Synchronization, consumers: Synchronization, startIndex: UInt32) {
        precondition(capacity >= 1 && capacity <= 1 << 31, "Ring capacity must be 1...2^31, got \(capacity)")
        precondition(MemoryLayout<Element>.size == 8, "Ring holds pointer-sized (8-byte) elements")
        var size = 1
        while size < capacity { size <<= 1 }
        self.capacity = capacity
        self.capacity32 = UInt32(capacity)
        self.mask = UInt32(truncatingIfNeeded: size - 1)
        self.multiProducer = producers == .multi
        self.multiConsumer = consumers == .multi

        let block = UnsafeMutableRawPointer.allocate(byteCount: RingLayout.slots + size * MemoryLayout<UInt64>.stride,
                                                     alignment: RingLayout.alignment)
        block.initializeMemory(as: UInt8.self, repeating: 0, count: RingLayout.slots)
        self.block = block
        func atomic(_ offset: Int) -> UnsafeAtomic<UInt32> {
            let cell = (block + offset).bindMemory(to: UInt32.AtomicRepresentation.self, capacity: 1)
            cell.initialize(to: .init(startIndex))
            return UnsafeAtomic(at: cell)
        }
        func plain(_ offset: Int) -> UnsafeMutablePointer<UInt32> {
            let cell = (block + offset).bindMemory(to: UInt32.self, capacity: 1)
            cell.initialize(to: startIndex)
            return cell
        }
        producerHead = atomic(RingLayout.producerHead)
        cachedConsumerTail = plain(RingLayout.cachedConsumerTail)
        sharedConsumerTail = atomic(RingLayout.sharedConsumerTail)
        producerTail = atomic(RingLayout.producerTail)
        consumerHead = atomic(RingLayout.consumerHead)
        cachedProducerTail = plain(RingLayout.cachedProducerTail)
        sharedProducerTail = atomic(RingLayout.sharedProducerTail)
        consumerTail = atomic(RingLayout.consumerTail)
        slots = (block + RingLayout.slots).bindMemory(to: UInt64.AtomicRepresentation.self, capacity: size)
        slots.initialize(repeating: .init(0), count: size)
    }

    deinit { block.deallocate() }

    // MARK: - Enqueue

    /// Enqueues all `count` elements or none; returns `count` or 0.
    @inlinable @discardableResult
    public func enqueueBulk(_ elements: UnsafePointer<Element>, count: Int) -> Int {
        enqueue(elements, count: count, exact: true)
    }

    /// Enqueues as many of `count` elements as fit; returns how many.
    @inlinable @discardableResult
    public func enqueueBurst(_ elements: UnsafePointer<Element>, count: Int) -> Int {
        enqueue(elements, count: count, exact: false)
    }

    /// Enqueues one element; false when the ring is full.
    @inlinable
    public func enqueue(_ element: Element) -> Bool {
        withUnsafePointer(to: element) { enqueue($0, count: 1, exact: true) } == 1
    }

    @inlinable
    func enqueue(_ elements: UnsafePointer<Element>, count: Int, exact: Bool) -> Int {
        let wanted = UInt32(truncatingIfNeeded: count)
        let head: UInt32
        let n: UInt32
        if multiProducer {
            var claimed = producerHead.load(ordering: .acquiring)
            while true {
                var free = capacity32 &+ sharedConsumerTail.load(ordering: .acquiring) &- claimed
                if free < wanted || free > capacity32 {
                    let tail = consumerTail.load(ordering: .acquiring)
                    sharedConsumerTail.store(tail, ordering: .releasing)
                    free = capacity32 &+ tail &- claimed
                }
                let take = free >= wanted ? wanted : (exact ? 0 : free)
                if take == 0 { return 0 }
                let (done, current) = producerHead.weakCompareExchange(
                    expected: claimed, desired: claimed &+ take, ordering: .acquiring)
                if done { head = claimed; n = take; break }
                claimed = current
            }
        } else {
            head = producerHead.load(ordering: .relaxed)
            var free = capacity32 &+ cachedConsumerTail.pointee &- head
            if free < wanted {
                cachedConsumerTail.pointee = consumerTail.load(ordering: .acquiring)
                free = capacity32 &+ cachedConsumerTail.pointee &- head
            }
            n = free >= wanted ? wanted : (exact ? 0 : free)
            if n == 0 { return 0 }
            producerHead.store(head &+ n, ordering: .relaxed)
        }
        copyIn(elements, count: n, at: head)
        if multiProducer { waitForTurn(producerTail, at: head) }
        producerTail.store(head &+ n, ordering: .releasing)
        return Int(n)
    }

    // MARK: - Dequeue

    /// Dequeues exactly `count` elements into `buffer`, or none; returns `count` or 0.
    @inlinable @discardableResult
    public func dequeueBulk(into buffer: UnsafeMutablePointer<Element>, count: Int) -> Int {
        dequeue(into: buffer, count: count, exact: true)
    }

    /// Dequeues up to `count` elements into `buffer`; returns how many.
    @inlinable @discardableResult
    public func dequeueBurst(into buffer: UnsafeMutablePointer<Element>, count: Int) -> Int {
        dequeue(into: buffer, count: count, exact: false)
    }

    /// Dequeues one element; nil when the ring is empty.
    @inlinable
    public func dequeue() -> Element? {
        withUnsafeTemporaryAllocation(of: Element.self, capacity: 1) { cell in
            dequeue(into: cell.baseAddress!, count: 1, exact: true) == 1 ? cell[0] : nil
        }
    }

    @inlinable
    func dequeue(into buffer: UnsafeMutablePointer<Element>, count: Int, exact: Bool) -> Int {
        let wanted = UInt32(truncatingIfNeeded: count)
        let head: UInt32
        let n: UInt32
        if multiConsumer {
            var claimed = consumerHead.load(ordering: .acquiring)
            while true {
                var available = sharedProducerTail.load(ordering: .acquiring) &- claimed
                if available < wanted || available > capacity32 {
                    let tail = producerTail.load(ordering: .acquiring)
                    sharedProducerTail.store(tail, ordering: .releasing)
                    available = tail &- claimed
                }
                let take = available >= wanted ? wanted : (exact ? 0 : available)
                if take == 0 { return 0 }
                let (done, current) = consumerHead.weakCompareExchange(
                    expected: claimed, desired: claimed &+ take, ordering: .acquiring)
                if done { head = claimed; n = take; break }
                claimed = current
            }
        } else {
            head = consumerHead.load(ordering: .relaxed)
            var available = cachedProducerTail.pointee &- head
            if available < wanted {
                cachedProducerTail.pointee = producerTail.load(ordering: .acquiring)
                available = cachedProducerTail.pointee &- head
            }
            n = available >= wanted ? wanted : (exact ? 0 : available)
            if n == 0 { return 0 }
            consumerHead.store(head &+ n, ordering: .relaxed)
        }
        copyOut(buffer, count: n, at: head)
        if multiConsumer { waitForTurn(consumerTail, at: head) }
        consumerTail.store(head &+ n, ordering: .releasing)
        return Int(n)
    }

    // MARK: - Occupancy (a snapshot: other threads may change it at once)

    /// Elements in the ring.
    public var count: Int {
        let used = producerTail.load(ordering: .acquiring) &- consumerTail.load(ordering: .acquiring)
        return Int(min(used, capacity32))
    }

    /// Elements that can still be enqueued.
    public var freeCount: Int { capacity - count }
    public var isEmpty: Bool { count == 0 }
    public var isFull: Bool { count == capacity }

    // MARK: - Slots

    // The consumer reads each slot with an 8-byte relaxed atomic load: a plain move that the
    // compiler can neither vectorise nor turn into a memcpy call. As a plain loop it became one
    // or the other, which slowed the exchange between the two cores. The producer's plain stores
    // may be vectorised. ring-bench, SP/SC bulk 8 / 32, cycles per element, alternating runs,
    // lcores sharing an L3 (apart): plain loads and atomic stores 3.96 / 2.45 (43 / 18.5), both
    // atomic 3.35 / 1.85 (45 / 13.7), atomic loads only 2.71 / 1.79 (45 / 11.5). Which side runs
    // faster counts as much: a consumer that drains the ring polls the producer's tail and slows
    // it down (in a test loop with a faster consumer, atomic loads only took 6-11, both atomic
    // 3.0-6.2). `RingPair`'s pipeline forwards as fast with either.

    @inlinable
    func copyIn(_ source: UnsafePointer<Element>, count: UInt32, at index: UInt32) {
        let start = Int(index & mask)
        let first = min(Int(count), Int(mask) + 1 - start)
        let destination = slots + start
        for i in 0..<first { Self.store(source[i], into: destination + i) }
        let wrapped = source + first
        for i in 0..<Int(count) - first { Self.store(wrapped[i], into: slots + i) }
    }

    @inlinable
    func copyOut(_ destination: UnsafeMutablePointer<Element>, count: UInt32, at index: UInt32) {
        let start = Int(index & mask)
        let first = min(Int(count), Int(mask) + 1 - start)
        let source = slots + start
        for i in 0..<first { destination[i] = Self.load(source + i) }
        let wrapped = destination + first
        for i in 0..<Int(count) - first { wrapped[i] = Self.load(slots + i) }
    }

    @inlinable @inline(__always)
    static func store(_ element: Element, into slot: UnsafeMutablePointer<UInt64.AtomicRepresentation>) {
        UnsafeMutableRawPointer(slot).storeBytes(of: element, as: Element.self)
    }

    @inlinable @inline(__always)
    static func load(_ slot: UnsafeMutablePointer<UInt64.AtomicRepresentation>) -> Element {
        unsafeBitCast(UnsafeAtomic<UInt64>(at: slot).load(ordering: .relaxed), to: Element.self)
    }

    /// Multi-producer (consumer) only: earlier claimants publish first, so the tail moves in order.
    @inlinable
    func waitForTurn(_ tail: UnsafeAtomic<UInt32>, at head: UInt32) {
        var spins = 0
        while tail.load(ordering: .relaxed) != head {
            spins &+= 1
            // A preempted earlier claimant can only finish if we give up the core.
            if spins & 1023 == 0 { sched_yield() }
        }
    }
}

extension Ring: @unchecked Sendable {}

/// Where a ring's indices and slots lie in its one block, in bytes. One 64-byte line for what a
/// side reads on every call, one for the tail it publishes (the line the other side polls); the
/// block is 128-byte aligned, so each side's two lines form one of the pairs the adjacent-line
/// prefetcher fetches together, and it never drags the other side's line along. (Measured
/// against a line pair per region: SP/SC bulk 8 4.6 against 8.9 cycles per element, with the
/// two cores sharing an L3.)
enum RingLayout {
    static let producerHead = 0, cachedConsumerTail = 4, sharedConsumerTail = 8
    static let producerTail = 64
    static let consumerHead = 128, cachedProducerTail = 132, sharedProducerTail = 136
    static let consumerTail = 192
    static let slots = 256
    static let alignment = 128
}
