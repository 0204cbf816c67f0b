import CDPDK

/// A DPDK mbuf pool (`rte_pktmbuf_pool_create`): every received packet lives in one, and the
/// accounting identity requires every one of them back here when the ports are closed.
public struct PacketPool {
    public let pointer: OpaquePointer
    public let size: Int

    /// `count` buffers of `dataRoom` bytes, RTE_PKTMBUF_HEADROOM included, on NUMA `socket`.
    public init(name: String, count: Int, cacheSize: Int = 256, dataRoom: Int = Int(VF_MBUF_DEFAULT_BUF_SIZE), socket: Int32) throws(DPDKError) {
        let cache = UInt32(min(cacheSize, Int(RTE_MEMPOOL_CACHE_MAX_SIZE), count / 2))
        let operation = "creating mbuf pool '\(name)' of \(count) buffers"
        if Self.packsAcrossPages {
            pointer = try Self.createPacked(name: name, count: UInt32(count), cache: cache, dataRoom: UInt16(dataRoom),
                                            socket: socket, operation: operation)
        } else {
            guard let pool = rte_pktmbuf_pool_create(name, UInt32(count), cache, 0, UInt16(dataRoom), socket) else {
                throw DPDKError.fromErrno(operation, advice: Self.memoryAdvice)
            }
            pointer = pool
        }
        size = count
    }

    static let memoryAdvice = "give the EAL more memory (-m, or reserve hugepages with scripts/hugepages.sh)"

    /// Without hugepages the mempool keeps every mbuf inside one 4 KiB page, so each sits alone
    /// at the same page offset: all mbuf headers fall in the same two L1 sets (12 ways each), and
    /// a burst of 32 evicts itself on every pass (measured: net_null forwarding twice as fast
    /// packed). When IO addresses are virtual ones, a VA-contiguous object is IOVA-contiguous
    /// across pages too, so the pool may pack objects back to back; with hugepages the pages are
    /// large enough already.
    static var packsAcrossPages: Bool { rte_eal_iova_mode() == RTE_IOVA_VA && rte_eal_has_hugepages() == 0 }

    /// `rte_pktmbuf_pool_create`'s steps with RTE_MEMPOOL_F_NO_IOVA_CONTIG, populated from one
    /// `rte_malloc` block with its IO address, so every mbuf's `buf_iova` is exact for DMA.
    static func createPacked(name: String, count: UInt32, cache: UInt32, dataRoom: UInt16, socket: Int32,
                             operation: String) throws(DPDKError) -> OpaquePointer {
        let flags = UInt32(RTE_MEMPOOL_F_NO_IOVA_CONTIG)
        let elementSize = VF_MBUF_STRUCT_SIZE + UInt32(dataRoom)
        var layout = rte_pktmbuf_pool_private(mbuf_data_room_size: dataRoom, mbuf_priv_size: 0, flags: 0)
        guard let pool = rte_mempool_create_empty(name, count, elementSize, cache,
                                                  UInt32(MemoryLayout<rte_pktmbuf_pool_private>.size), socket, flags) else {
            throw DPDKError.fromErrno(operation, advice: memoryAdvice)
        }
        let ops = rte_mempool_set_ops_byname(pool, rte_mbuf_best_mempool_ops(), nil)
        guard ops == 0 else {
            rte_mempool_free(pool)
            throw DPDKError(operation, code: ops)
        }
        var sizes = rte_mempool_objsz()
        let bytes = Int(rte_mempool_calc_obj_size(elementSize, flags, &sizes)) * Int(count)
        guard let memory = rte_malloc_socket(name, bytes, UInt32(RTE_CACHE_LINE_SIZE), socket) else {
            rte_mempool_free(pool)
            throw DPDKError(operation, code: ENOMEM, advice: memoryAdvice)
        }
        rte_pktmbuf_pool_init(pool, &layout)
        let populated = rte_mempool_populate_iova(pool, memory, rte_malloc_virt2iova(memory), bytes,
                                                  { _, memory in rte_free(memory) }, memory)
        guard populated == Int32(count) else {
            // Once populated, the pool owns `memory` and frees it; before that it is still ours.
            if populated <= 0 { rte_free(memory) }
            rte_mempool_free(pool)
            throw DPDKError(operation, code: populated < 0 ? populated : ENOMEM, advice: memoryAdvice)
        }
        rte_mempool_obj_iter(pool, rte_pktmbuf_init, nil)
        return pool
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
