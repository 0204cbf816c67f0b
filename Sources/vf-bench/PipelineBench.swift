import Atomics
import CDPDK
import PacketRing
import VFDriver

/// DPDK's rte_ring as a port of a back-to-back pair, as `RingPair`'s ends are over PacketRing's:
/// the same pipeline runs over each, so the two rings compare where they carry frames.
struct RteRingPort: PacketPort {
    let rx: OpaquePointer
    let tx: OpaquePointer
    var insertsTags: Bool { false }

    /// Two ends over single-producer single-consumer rte_rings of exactly `capacity` frames each way.
    static func pair(name: String, capacity: Int) -> (RteRingPort, RteRingPort) {
        let flags = UInt32(RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ)
        let forth = rte_ring_create("\(name)-f", UInt32(capacity), SOCKET_ID_ANY, flags)!
        let back = rte_ring_create("\(name)-b", UInt32(capacity), SOCKET_ID_ANY, flags)!
        return (RteRingPort(rx: back, tx: forth), RteRingPort(rx: forth, tx: back))
    }

    func receive(queue: UInt16, into buffers: UnsafeMutablePointer<Mbuf>, capacity: Int) -> Int {
        Int(rte_ring_sc_dequeue_burst(rx, UnsafeMutableRawPointer(buffers).assumingMemoryBound(to: UnsafeMutableRawPointer?.self),
                                      UInt32(capacity), nil))
    }

    func transmit(queue: UInt16, from buffers: UnsafeMutablePointer<Mbuf>, count: Int) -> Int {
        Int(rte_ring_sp_enqueue_burst(tx, UnsafeRawPointer(buffers).assumingMemoryBound(to: UnsafeMutableRawPointer?.self),
                                      UInt32(count), nil))
    }

    func destroy() {
        rte_ring_free(rx)
        rte_ring_free(tx)
    }
}

/// A two-core pipeline: the main lcore is the I/O core (each NIC's frames into its ring pair,
/// each pair's frames out to its NIC), lcore `workerLcore` runs the config's rules as a
/// `ForwardingLane` over the pairs' other ends. Returns the frames per second the NICs sent over
/// `seconds`, after a second of warm-up.
func pipelineRate<Link: PacketPort>(nics: [EthPort], io: [Link], worker: [Link], config: ForwarderConfig,
                                    workerLcore: UInt32, seconds: Double) -> Double where Link.Buffer == Mbuf {
    let lane = ForwardingLane(plan: ForwardingPlan(config: config), ports: worker, rxPairs: worker.indices.map { ($0, 0) },
                              txQueue: 0, burst: config.burst)
    let stop = UnsafeAtomic<Bool>.create(false)
    defer { stop.destroy() }
    let context = WorkerContext { lane.run(until: stop) }
    rte_eal_remote_launch({ raw in
        Unmanaged<WorkerContext>.fromOpaque(raw!).takeUnretainedValue().body()
        return 0
    }, Unmanaged.passUnretained(context).toOpaque(), workerLcore)

    var fromWireA = PacketBurst<Mbuf>(capacity: 32), toWireA = PacketBurst<Mbuf>(capacity: 32)
    var fromWireB = PacketBurst<Mbuf>(capacity: 32), toWireB = PacketBurst<Mbuf>(capacity: 32)
    var sent = 0
    let nicA = nics[0], nicB = nics[1], ioA = io[0], ioB = io[1]
    /// One pass of the I/O core: a ring without room holds the burst back, as a full TX queue would.
    func poll() {
        fromWireA.receive(from: nicA, queue: 0)
        fromWireA.transmit(to: ioA, queue: 0)
        fromWireB.receive(from: nicB, queue: 0)
        fromWireB.transmit(to: ioB, queue: 0)
        toWireA.receive(from: ioA, queue: 0)
        sent &+= toWireA.transmit(to: nicA, queue: 0)
        toWireB.receive(from: ioB, queue: 0)
        sent &+= toWireB.transmit(to: nicB, queue: 0)
    }
    let hz = Double(EAL.tscHz)
    let warmUpEnd = rdtsc() + UInt64(hz)
    while rdtsc() < warmUpEnd { poll() }
    let start = rdtsc(), sentBefore = sent
    let end = start + UInt64(seconds * hz)
    while rdtsc() < end { poll() }
    let rate = Double(sent - sentBefore) / (Double(rdtsc() - start) / hz)
    stop.store(true, ordering: .relaxed)
    rte_eal_wait_lcore(workerLcore)
    // What the pipeline still holds goes back to the pool.
    _ = fromWireA.freeAll() + fromWireB.freeAll() + toWireA.freeAll() + toWireB.freeAll()
    var leftover = PacketBurst<Mbuf>(capacity: 64)
    for link in io + worker {
        while leftover.receive(from: link, queue: 0) > 0 { leftover.freeAll() }
    }
    return rate
}

/// What a worker lcore runs, passed through `rte_eal_remote_launch`'s one pointer.
final class WorkerContext {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

/// `rounds` alternating measurements of the pipeline over `RingPair` ends (PacketRing) and over
/// `RteRingPort` (rte_ring), both rings of 1024 frames; prints each and the medians' ratio.
func comparePipelines(forwarder: DPDKForwarder, config: ForwarderConfig, seconds: Double, rounds: Int) {
    guard let workerLcore = EAL.lcores.first(where: { $0 != rte_get_main_lcore() }), forwarder.ports.count == 2 else {
        fatalError("--pipeline needs two ports and an lcore besides the main one (-l 0,1)")
    }
    func viaPacketRing() -> Double {
        let linkA = RingPair<Mbuf>(capacity: 1024), linkB = RingPair<Mbuf>(capacity: 1024)
        let (ioA, workerA) = linkA.ends, (ioB, workerB) = linkB.ends
        // The ends are unretained: the pairs must outlive the run.
        return withExtendedLifetime((linkA, linkB)) {
            pipelineRate(nics: forwarder.ports, io: [ioA, ioB], worker: [workerA, workerB], config: config,
                         workerLcore: workerLcore, seconds: seconds)
        }
    }
    func viaRteRing() -> Double {
        let (ioA, workerA) = RteRingPort.pair(name: "pipe-a", capacity: 1024), (ioB, workerB) = RteRingPort.pair(name: "pipe-b", capacity: 1024)
        defer { [ioA, ioB].forEach { $0.destroy() } }
        return pipelineRate(nics: forwarder.ports, io: [ioA, ioB], worker: [workerA, workerB], config: config,
                            workerLcore: workerLcore, seconds: seconds)
    }
    var ours: [Double] = [], theirs: [Double] = []
    for round in 1...rounds {
        // The second of a pair tends to run faster here, so the order alternates.
        if round % 2 == 1 {
            ours.append(viaPacketRing())
            theirs.append(viaRteRing())
        } else {
            theirs.append(viaRteRing())
            ours.append(viaPacketRing())
        }
        print(String(format: "round %d: PacketRing %.3f Mpps, rte_ring %.3f Mpps", round, ours.last! / 1e6, theirs.last! / 1e6))
    }
    let median = { (rates: [Double]) in rates.sorted()[rates.count / 2] }
    print(String(format: "pipeline, median of rounds: PacketRing %.2f Mpps, rte_ring %.2f Mpps, ratio %.3f",
                 median(ours) / 1e6, median(theirs) / 1e6, median(ours) / median(theirs)))
}
