/// A caller-owned array of frames for burst receive and transmit, made once and reused on every
/// poll (basicfwd's `struct rte_mbuf *bufs[BURST_SIZE]`), so a loop over it allocates nothing.
///
/// It owns the frames it holds (received, or given by `append`): each leaves it by being sent
/// (`transmit`) or freed (`free(where:)`, `freeAll`), and whatever is still in it when it ends
/// goes back to its pool, so no frame is lost to an early return or a thrown error. End it
/// while the pools live (before `EAL.cleanup()`; before the `MockNIC` or `MockPool` goes).
/// Noncopyable: two copies would both own, and both free, the same frames.
///
/// ```swift
/// var burst = PacketBurst<Mbuf>(capacity: 32)
/// while running {
///     burst.receive(from: rx, queue: 0)
///     for i in 0..<burst.count { rewrite(burst[i]) }
///     burst.transmit(to: tx, queue: 0)
///     drops += burst.freeAll()             // what the TX queue had no room for
/// }
/// ```
public struct PacketBurst<Buffer: PacketBuffer>: ~Copyable {
    @usableFromInline let storage: UnsafeMutablePointer<Buffer>
    public let capacity: Int
    @usableFromInline var held = 0

    /// Frames held, at indices `0..<count`.
    @inlinable public var count: Int { held }

    /// An empty burst with room for `capacity` frames.
    public init(capacity: Int) {
        precondition(capacity > 0, "a burst holds at least one frame")
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit {
        for i in 0..<held { storage[i].free() }
        storage.deallocate()
    }

    @inlinable public var isEmpty: Bool { held == 0 }

    /// Frame `index`, which stays in the burst.
    @inlinable
    public subscript(index: Int) -> Buffer {
        precondition(index >= 0 && index < held, "frame \(index) of a burst of \(held)")
        return storage[index]
    }

    /// Receives from `queue` of `port` into the room after the frames held; returns how many
    /// came. A port with a vector RX path (an 82599 VF's) delivers nothing when the room is less
    /// than its `minimumReceiveBurst`, so give a burst at least that capacity.
    @inlinable @discardableResult
    public mutating func receive<Port: PacketPort>(from port: Port, queue: UInt16) -> Int where Port.Buffer == Buffer {
        let received = port.receive(queue: queue, into: storage + held, capacity: capacity - held)
        held += received
        return received
    }

    /// Takes `buffer` (a frame the caller made, from a pool's `allocate()`) after the frames
    /// held. False when the burst is full: the buffer is then still the caller's.
    @inlinable
    public mutating func append(_ buffer: Buffer) -> Bool {
        guard held < capacity else { return false }
        storage[held] = buffer
        held += 1
        return true
    }

    /// Hands every frame held to `queue` of `port`; those it takes leave the burst, and those it
    /// has no room for stay, in order, at the front (send them again or free them). Returns how
    /// many it took.
    @inlinable @discardableResult
    public mutating func transmit<Port: PacketPort>(to port: Port, queue: UInt16) -> Int where Port.Buffer == Buffer {
        let sent = port.transmit(queue: queue, from: storage, count: held)
        if sent > 0 && sent < held {
            // Handles are trivial values: a move is a memmove, even where the ranges overlap.
            UnsafeMutableRawPointer(storage).copyMemory(from: storage + sent, byteCount: (held - sent) * MemoryLayout<Buffer>.stride)
        }
        held -= sent
        return sent
    }

    /// Frees the frames `shouldFree` selects (a drop: count its reason there) and keeps the
    /// others, in order. Returns how many were freed.
    @inlinable @discardableResult
    public mutating func free(where shouldFree: (Buffer) -> Bool) -> Int {
        var kept = 0
        for i in 0..<held {
            let buffer = storage[i]
            if shouldFree(buffer) {
                buffer.free()
            } else {
                storage[kept] = buffer
                kept += 1
            }
        }
        defer { held = kept }
        return held - kept
    }

    /// Frees every frame held; returns how many.
    @inlinable @discardableResult
    public mutating func freeAll() -> Int {
        for i in 0..<held { storage[i].free() }
        defer { held = 0 }
        return held
    }

    /// Lends the frames held, for code that rewrites or reorders them in place; they stay the
    /// burst's, so the closure must not free or send any.
    @inlinable
    public mutating func withUnsafeMutableBuffers<Result>(_ body: (inout UnsafeMutableBufferPointer<Buffer>) throws -> Result) rethrows -> Result {
        // inout, as Array's, so that mutating collection methods (sort, reverse) apply directly.
        var buffers = UnsafeMutableBufferPointer(start: storage, count: held)
        defer { precondition(buffers.baseAddress == storage && buffers.count == held, "the burst's buffer pointer was replaced") }
        return try body(&buffers)
    }
}
