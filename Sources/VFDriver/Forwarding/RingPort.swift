import PacketRing

/// Two rings joined as two ports back to back, like a veth pair: what one end transmits, the
/// other receives (DPDK's `rte_eth_from_rings` over a pair of rings). It links pipeline stages
/// on different cores (Snabb's links): each stage drives its end with the same burst calls,
/// `PacketBurst` and `ForwardingLane` as a NIC, so the VLAN engine runs unchanged as a worker
/// between an I/O core and the NICs.
///
/// The pair owns its rings; its ends are trivial handles, valid while it lives: keep it in use
/// (or in `withExtendedLifetime`) for as long as they are. A full ring takes what it has room
/// for, as a full TX queue does. Frames still in the pair when it ends go back to their pool,
/// so end it while the pools live.
public final class RingPair<Buffer: PacketBuffer> {
    /// Frames `ends.0` sent to `ends.1`, and those sent back.
    public let forth: Ring<Buffer>
    public let back: Ring<Buffer>

    /// Rings of `capacity` frames each way, for one thread at each end (single producer and
    /// consumer) unless `producers` or `consumers` say `.multi` (several workers feeding one
    /// TX core through one end).
    public init(capacity: Int, producers: Ring<Buffer>.Synchronization = .single, consumers: Ring<Buffer>.Synchronization = .single) {
        forth = Ring(capacity: capacity, producers: producers, consumers: consumers)
        back = Ring(capacity: capacity, producers: producers, consumers: consumers)
    }

    deinit { freeAll() }

    /// The two ends: what the first transmits the second receives, and the other way round.
    public var ends: (RingPort<Buffer>, RingPort<Buffer>) {
        (RingPort(rx: .passUnretained(back), tx: .passUnretained(forth)), RingPort(rx: .passUnretained(forth), tx: .passUnretained(back)))
    }

    /// Frees the frames waiting in either direction (a stopped pipeline's); returns how many.
    /// Call it once no stage uses the pair.
    @discardableResult
    public func freeAll() -> Int {
        var freed = 0
        for ring in [forth, back] {
            while let buffer = ring.dequeue() {
                buffer.free()
                freed += 1
            }
        }
        return freed
    }
}

/// One end of a `RingPair`: `receive` takes from one ring, `transmit` puts into the other.
/// Unretained (no reference counting per call, where a retained ring would cost the worker a
/// retain and a release on every burst); valid while its pair lives. One queue, 0; no offloads.
@frozen
public struct RingPort<Buffer: PacketBuffer>: PacketPort {
    @usableFromInline let rx: Unmanaged<Ring<Buffer>>
    @usableFromInline let tx: Unmanaged<Ring<Buffer>>

    init(rx: Unmanaged<Ring<Buffer>>, tx: Unmanaged<Ring<Buffer>>) {
        self.rx = rx
        self.tx = tx
    }

    @inlinable
    public func receive(queue: UInt16, into buffers: UnsafeMutablePointer<Buffer>, capacity: Int) -> Int {
        rx._withUnsafeGuaranteedRef { $0.dequeueBurst(into: buffers, count: capacity) }
    }

    @inlinable
    public func transmit(queue: UInt16, from buffers: UnsafeMutablePointer<Buffer>, count: Int) -> Int {
        tx._withUnsafeGuaranteedRef { $0.enqueueBurst(buffers, count: count) }
    }

    public var insertsTags: Bool { false }
}
