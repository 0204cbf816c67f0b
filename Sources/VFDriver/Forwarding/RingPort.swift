import PacketRing

/// A port made of two rings, as DPDK's `rte_eth_from_rings` makes one: `receive` takes frames
/// from `rx`, `transmit` puts them into `tx`. Made in pairs (`pair(capacity:)`), back to back
/// like a veth pair, it links pipeline stages on different cores (Snabb's links): each stage
/// drives its end with the same burst calls, `PacketBurst` and `ForwardingLane` as a NIC, so
/// the VLAN engine runs unchanged as a worker between an RX core and a TX core.
///
/// A full `tx` ring takes what it has room for, as a full TX queue does. It has one queue, 0,
/// and no offloads. Frames left in a pair when its pipeline stops are the caller's to free
/// (`freeReceivable()` on each end, once no stage uses it).
public struct RingPort<Buffer: PacketBuffer>: PacketPort {
    public let rx: Ring<Buffer>
    public let tx: Ring<Buffer>

    /// A port over rings of the caller's: MP/MC ones let several workers feed one TX core.
    public init(rx: Ring<Buffer>, tx: Ring<Buffer>) {
        self.rx = rx
        self.tx = tx
    }

    /// Two ports joined back to back: what one transmits, the other receives, through a
    /// single-producer single-consumer ring of `capacity` frames each way, so each end belongs
    /// to one thread.
    public static func pair(capacity: Int) -> (RingPort, RingPort) {
        let forth = Ring<Buffer>(capacity: capacity), back = Ring<Buffer>(capacity: capacity)
        return (RingPort(rx: back, tx: forth), RingPort(rx: forth, tx: back))
    }

    @inlinable
    public func receive(queue: UInt16, into buffers: UnsafeMutablePointer<Buffer>, capacity: Int) -> Int {
        rx.dequeueBurst(into: buffers, count: capacity)
    }

    @inlinable
    public func transmit(queue: UInt16, from buffers: UnsafeMutablePointer<Buffer>, count: Int) -> Int {
        tx.enqueueBurst(buffers, count: count)
    }

    public var insertsTags: Bool { false }

    /// Frees the frames waiting for this end to receive; returns how many.
    @discardableResult
    public func freeReceivable() -> Int {
        var freed = 0
        while let buffer = rx.dequeue() {
            buffer.free()
            freed += 1
        }
        return freed
    }
}
