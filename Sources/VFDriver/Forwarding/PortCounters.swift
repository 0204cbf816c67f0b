import Atomics

/// What vf-fwd saw on one port (spec sections 5 and 6), summed over the lanes that forward.
public struct PortCounters: Equatable, Sendable {
    public var rxPackets: UInt64 = 0
    public var rxBytes: UInt64 = 0
    public var txPackets: UInt64 = 0
    public var txBytes: UInt64 = 0
    public var drops: [UInt64] = Array(repeating: 0, count: DropReason.allCases.count)

    public init() {}

    public var dropped: UInt64 { drops.reduce(0, +) }
    public subscript(reason: DropReason) -> UInt64 { drops[reason.rawValue] }
}

/// One lane's counters for every port: written only by that lane, read by anyone. Slots are
/// updated with relaxed atomic loads and stores (plain moves on x86), once per burst.
@frozen
public struct LaneCounters {
    /// Slots per port, one cache line: rx packets/bytes, tx packets/bytes, four drop reasons.
    @usableFromInline static var stride: Int { 8 }
    @usableFromInline let slots: UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>
    public let portCount: Int

    init(portCount: Int) {
        self.portCount = portCount
        let bytes = portCount * Self.stride * 8
        slots = UnsafeMutableRawPointer.allocate(byteCount: max(64, bytes), alignment: 64)
            .bindMemory(to: UnsafeAtomic<UInt64>.Storage.self, capacity: portCount * Self.stride)
        slots.initialize(repeating: .init(0), count: portCount * Self.stride)
    }

    func deallocate() { slots.deallocate() }

    @inlinable @inline(__always)
    func add(_ value: Int, port: Int, slot: Int) {
        let cell = UnsafeAtomic<UInt64>(at: slots + port * Self.stride + slot)
        cell.store(cell.load(ordering: .relaxed) &+ UInt64(truncatingIfNeeded: value), ordering: .relaxed)
    }

    @inlinable @inline(__always) func addReceived(port: Int, packets: Int, bytes: Int) {
        add(packets, port: port, slot: 0)
        add(bytes, port: port, slot: 1)
    }

    @inlinable @inline(__always) func addSent(port: Int, packets: Int, bytes: Int) {
        add(packets, port: port, slot: 2)
        add(bytes, port: port, slot: 3)
    }

    @inlinable @inline(__always) func addDrops(port: Int, reason: DropReason, count: Int) {
        add(count, port: port, slot: 4 + reason.rawValue)
    }

    /// Adds this lane's counts for `port` to `counters`.
    public func read(port: Int, into counters: inout PortCounters) {
        func value(_ slot: Int) -> UInt64 { UnsafeAtomic<UInt64>(at: slots + port * Self.stride + slot).load(ordering: .relaxed) }
        counters.rxPackets += value(0)
        counters.rxBytes += value(1)
        counters.txPackets += value(2)
        counters.txBytes += value(3)
        for reason in DropReason.allCases { counters.drops[reason.rawValue] += value(4 + reason.rawValue) }
    }
}
