/// A packet buffer handle as the forwarding engine sees it: a DPDK `Mbuf` or a mock buffer.
/// Handles are trivial values (no ARC: the engine keeps them in raw memory it never
/// deinitialises); the buffer belongs to whoever holds the handle.
public protocol PacketBuffer: BitwiseCopyable {
    /// First byte of the frame (destination MAC).
    var data: UnsafeMutablePointer<UInt8> { get }
    /// Frame length in bytes, without CRC.
    var length: Int { get }
    /// Bytes on the wire once sent: `length`, plus 4 when the NIC is asked to insert a tag.
    var wireLength: Int { get }
    /// The TCI of a tag the NIC removed on receive (RX VLAN strip), if it did.
    var strippedTCI: UInt16? { get }
    func clearStrippedTag()
    /// Asks the NIC to insert TPID 0x8100 with `tci` in front of the frame's ethertype on transmit.
    func requestTagInsert(tci: UInt16)
    /// Grows the frame at the front into headroom; nil when there is not enough.
    func prepend(_ count: Int) -> UnsafeMutablePointer<UInt8>?
    /// Removes `count` bytes from the front.
    func trimFront(_ count: Int)
    /// Returns the buffer to its pool.
    func free()
    /// Hints the CPU to load the frame's first bytes: they are read soon.
    func prefetch()
}

/// One port as the forwarding engine drives it: DPDK's `EthPort`, the mock VF's port or a
/// `RingPair`'s end. The engine is generic over it and specialised, so nothing is dispatched
/// per packet; and a port is a trivial value (an id, unretained references), so nothing is
/// reference-counted per call either: a port holding a class reference would cost a retain and
/// a release on every burst (a `RingPort` that held its rings cost a pipeline 16% of its cycles).
public protocol PacketPort: BitwiseCopyable {
    associatedtype Buffer: PacketBuffer
    /// Receives up to `capacity` frames from `queue` into `buffers`; returns how many.
    func receive(queue: UInt16, into buffers: UnsafeMutablePointer<Buffer>, capacity: Int) -> Int
    /// Hands up to `count` frames to `queue`; those accepted belong to the port. Returns how many.
    func transmit(queue: UInt16, from buffers: UnsafeMutablePointer<Buffer>, count: Int) -> Int
    /// TX VLAN insert is on: a single output tag can be left to the NIC.
    var insertsTags: Bool { get }
    /// The fewest frames `receive` must be asked for to deliver any (a vector RX path's limit).
    var minimumReceiveBurst: Int { get }
}

extension PacketBuffer {
    /// Bytes the frame had on the wire when it arrived: `length`, plus the tag RX VLAN strip
    /// took off. Received bytes are counted so, whatever the port's offloads.
    @inlinable public var receivedWireLength: Int { length + (strippedTCI == nil ? 0 : TagStack.tagBytes) }
}

extension PacketPort {
    public var minimumReceiveBurst: Int { 1 }
}
