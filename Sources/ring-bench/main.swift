import Atomics
import CDPDK
import Foundation
import PacketRing

// Ring throughput between two cores, measured as DPDK's test_ring_perf.c ("Testing using two
// physical cores"): the EAL runs a producer on the main lcore and a consumer on a worker lcore;
// after both reach the start line, the producer enqueues `iterations` bulks of `size` and the
// consumer dequeues them, each timing its own loop with the TSC and spinning with PAUSE while
// the ring is full or empty. The result is enqueue plus dequeue cycles per element.
// Only the EAL's threads and pinning are used: the ring is PacketRing's.
// Last, it times a cache line's round trip between the two lcores, before and after the rings:
// the regime every figure depends on (on a VM, the host may place the two vCPUs on cores that
// share an L3 or on ones that do not, and move them between runs).
//   ring-bench [ITERATIONS] [-- EAL-ARGS]     (default EAL: -l 0-1 --no-huge --no-pci; a
//                                             per-process --file-prefix unless one is given)

let split = CommandLine.arguments.firstIndex(of: "--")
let own = CommandLine.arguments[1..<(split ?? CommandLine.arguments.endIndex)]
let iterations = own.first.flatMap { Int($0) } ?? 1 << 21
var ealArguments = split.map { Array(CommandLine.arguments[($0 + 1)...]) } ?? ["-l", "0-1", "--no-huge", "-m", "64", "--no-pci"]
if !ealArguments.contains(where: { $0.hasPrefix("--file-prefix") }) { ealArguments.append("--file-prefix=ring-bench-\(getpid())") }
ealArguments.append("--log-level=3")
let ringSize = 4096

/// One measurement: the ring, the bulk size, the start line and each side's result.
final class Run {
    let ring: Ring<UInt>
    let size: Int
    /// The start line: each side adds one and waits for two.
    let arrived = ManagedAtomic<Int>(0)
    var producerCycles = 0.0
    var consumerCycles = 0.0

    init(ring: Ring<UInt>, size: Int) {
        self.ring = ring
        self.size = size
    }

    func produce() { producerCycles = timedLoop(producer: true) }

    func consume() { consumerCycles = timedLoop(producer: false) }

    /// Waits at the start line, then enqueues (as the producer) or dequeues `iterations` bulks,
    /// pausing while the ring refuses one; returns TSC cycles per element. The loop calls the
    /// ring itself, as test_ring_perf.c's helper does: one that reached it through a closure
    /// measured SP/SC bulk 8 a fifth slower (5.5 against 4.3 cycles, alternating runs).
    private func timedLoop(producer: Bool) -> Double {
        let buffer = UnsafeMutablePointer<UInt>.allocate(capacity: 32)
        buffer.initialize(repeating: 0, count: 32)
        defer { buffer.deallocate() }
        arrived.wrappingIncrement(ordering: .acquiringAndReleasing)
        while arrived.load(ordering: .acquiring) < 2 { vf_pause() }
        let start = vf_rdtsc()
        if producer {
            for _ in 0..<iterations { while ring.enqueueBulk(buffer, count: size) == 0 { vf_pause() } }
        } else {
            for _ in 0..<iterations { while ring.dequeueBulk(into: buffer, count: size) == 0 { vf_pause() } }
        }
        return Double(vf_rdtsc() - start) / Double(iterations * size)
    }
}

/// The two lcores pass a token through one cache line `rounds` times, each waiting for the other's
/// value; returns TSC cycles per round trip.
func lineRoundTrip(worker: UInt32, rounds: Int = 100_000) -> Double {
    final class Token {
        let line = UnsafeAtomic<Int>.create(0)
        let rounds: Int
        init(rounds: Int) { self.rounds = rounds }
        deinit { line.destroy() }
    }
    let token = Token(rounds: rounds)
    rte_eal_remote_launch({ raw in
        let token = Unmanaged<Token>.fromOpaque(raw!).takeUnretainedValue()
        for i in 0..<token.rounds {
            while token.line.load(ordering: .acquiring) != 2 * i + 1 {}
            token.line.store(2 * i + 2, ordering: .releasing)
        }
        return 0
    }, Unmanaged.passUnretained(token).toOpaque(), worker)
    let start = vf_rdtsc()
    for i in 0..<rounds {
        token.line.store(2 * i + 1, ordering: .releasing)
        while token.line.load(ordering: .acquiring) != 2 * i + 2 {}
    }
    let cycles = Double(vf_rdtsc() - start) / Double(rounds)
    rte_eal_wait_lcore(worker)
    return cycles
}

var argv = (["ring-bench"] + ealArguments).map { strdup($0) } + [nil]
guard rte_eal_init(Int32(argv.count - 1), &argv) >= 0 else { fatalError("EAL initialisation failed: \(String(cString: rte_strerror(vf_errno())))") }
let worker = rte_get_next_lcore(UInt32.max, 1, 0)
guard worker < RTE_MAX_LCORE else { fatalError("ring-bench needs two lcores (-l 0-1)") }

let roundTripBefore = lineRoundTrip(worker: worker)
for (name, sync) in [("SP/SC", Ring<UInt>.Synchronization.single), ("MP/MC", .multi)] {
    for size in [8, 32] {
        let run = Run(ring: Ring(capacity: ringSize, producers: sync, consumers: sync), size: size)
        rte_eal_remote_launch({ raw in
            Unmanaged<Run>.fromOpaque(raw!).takeUnretainedValue().consume()
            return 0
        }, Unmanaged.passUnretained(run).toOpaque(), worker)
        run.produce()
        rte_eal_wait_lcore(worker)
        print("\(name) bulk \(size): " + String(format: "%.2f", run.producerCycles + run.consumerCycles))
    }
}
print(String(format: "line round trip: %.0f %.0f", roundTripBefore, lineRoundTrip(worker: worker))
      + " (TSC cycles, before and after the rings; a few hundred: the lcores share an L3)")
print("(ring size \(ringSize), \(iterations) bulks per side, lcores \(rte_get_main_lcore()) and \(worker), TSC cycles per element, enqueue + dequeue)")
rte_eal_cleanup()
