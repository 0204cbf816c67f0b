import PacketRing

/// A one-way link between cores that works as a port (Snabb's "link"; DPDK's `net_ring` made
/// with `rte_eth_from_rings`): frames transmitted to it wait in a `Ring` until received from it,
/// so a pipeline stage (RX core, workers, TX core) drives its links with the same burst calls
/// and `PacketBurst` as its NICs. Copies share the ring: give one to the producing side and one
/// to the consuming side.
///
/// The ring's capacity bounds the frames in flight; a full ring takes what it has room for, as
/// a full TX queue does. Frames still in it when the pipeline stops are the caller's to free
/// (`freeAll()`). It has one queue, 0, and no offloads.
public struct RingLink<Buffer: PacketBuffer>: PacketPort {
    public let ring: Ring<Buffer>

    /// A link holding at most `capacity` frames, for one producing and one consuming thread
    /// unless `producers` or `consumers` say `.multi` (several workers feeding one TX core).
    public init(capacity: Int, producers: Ring<Buffer>.Synchronization = .single, consumers: Ring<Buffer>.Synchronization = .single) {
        ring = Ring(capacity: capacity, producers: producers, consumers: consumers)
    }

    @inlinable
    public func receive(queue: UInt16, into buffers: UnsafeMutablePointer<Buffer>, capacity: Int) -> Int {
        ring.dequeueBurst(into: buffers, count: capacity)
    }

    @inlinable
    public func transmit(queue: UInt16, from buffers: UnsafeMutablePointer<Buffer>, count: Int) -> Int {
        ring.enqueueBurst(buffers, count: count)
    }

    public var insertsTags: Bool { false }

    /// Frees the frames waiting in the link (a stopped pipeline's); returns how many. Call it
    /// once neither side uses the link any more.
    @discardableResult
    public func freeAll() -> Int {
        var freed = 0
        while let buffer = ring.dequeue() {
            buffer.free()
            freed += 1
        }
        return freed
    }
}
