import CDPDK

/// A DPDK mbuf pool (`rte_pktmbuf_pool_create`): every received packet lives in one, and the
/// accounting identity requires every one of them back here when the ports are closed.
public struct PacketPool {
    public let pointer: OpaquePointer
    public let size: Int

    /// `count` buffers of `dataRoom` bytes after RTE_PKTMBUF_HEADROOM, on NUMA `socket`.
    public init(name: String, count: Int, cacheSize: Int = 256, dataRoom: Int = Int(VF_MBUF_DEFAULT_BUF_SIZE), socket: Int32) throws(DPDKError) {
        let cache = min(cacheSize, Int(RTE_MEMPOOL_CACHE_MAX_SIZE), count / 2)
        guard let pool = rte_pktmbuf_pool_create(name, UInt32(count), UInt32(cache), 0, UInt16(dataRoom), socket) else {
            throw DPDKError.fromErrno("creating mbuf pool '\(name)' of \(count) buffers",
                                      advice: "give the EAL more memory (-m, or reserve hugepages with scripts/hugepages.sh)")
        }
        pointer = pool
        size = count
    }

    /// Buffers currently in the pool, per-lcore caches included.
    public var availableCount: Int { Int(rte_mempool_avail_count(pointer)) }
    /// Buffers held by ports, rings or the application.
    public var inUseCount: Int { Int(rte_mempool_in_use_count(pointer)) }

    /// Allocates one packet, or nil when the pool is empty.
    public func allocate() -> Mbuf? { vf_mbuf_alloc(pointer).map(Mbuf.init) }

    /// Writes `frame` into every buffer now in the pool, at the standard headroom. PMDs that
    /// hand out buffers without writing them (net_null) then deliver this frame: a traffic
    /// source for benchmarks. Returns how many buffers were written.
    @discardableResult
    public func fill(with frame: [UInt8]) -> Int {
        var taken: [Mbuf] = []
        while let buffer = allocate() {
            guard let bytes = buffer.append(frame.count) else { buffer.free(); break }
            bytes.update(from: frame, count: frame.count)
            taken.append(buffer)
        }
        taken.forEach { $0.free() }
        return taken.count
    }
}
