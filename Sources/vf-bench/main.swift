import Atomics
import Foundation
import VFDriver

// Forwards a config on net_null ports for a while with the pool prefilled with one frame, so
// every received frame is that frame as the last rewrite left it, and prints the rate after a
// one-second warm-up.
//   vf-bench CONFIG SECONDS FRAME-HEX [-- EAL-ARGS]
// Prints: "<Mpps> Mpps, <cycles> cycles/packet, <drops> dropped", then the rate of every
// one-second interval after the warm-up: "intervals: <Mpps> <Mpps> ...".
//   vf-bench --engine CONFIG SECONDS FRAME-HEX [-- EAL-ARGS]
// Measures the engine alone (`ReplayPort`, no PMD): "engine: <cycles> cycles/packet".
//   vf-bench --pipeline ROUNDS CONFIG SECONDS FRAME-HEX [-- EAL-ARGS]
// Runs the rules on a worker lcore between ring pairs that the main lcore fills from and
// empties to the two ports, over PacketRing and over rte_ring, ROUNDS alternating rounds of
// SECONDS: "round <n>: PacketRing <Mpps> Mpps, rte_ring <Mpps> Mpps", then the medians and ratio.

let split = CommandLine.arguments.firstIndex(of: "--") ?? CommandLine.arguments.endIndex
var own = Array(CommandLine.arguments[1..<split])
let engineOnly = own.first == "--engine", pipeline = own.first == "--pipeline"
if engineOnly || pipeline { own.removeFirst() }
let rounds = pipeline ? own.isEmpty ? nil : Int(own.removeFirst()) : 1
guard own.count == 3, let seconds = Double(own[1]), let rounds, rounds > 0 else {
    FileHandle.standardError.write(Data("usage: vf-bench [--engine | --pipeline ROUNDS] CONFIG SECONDS FRAME-HEX [-- EAL-ARGS]\n".utf8))
    exit(2)
}
let frame: [UInt8] = stride(from: 0, to: own[2].count, by: 2).map {
    let start = own[2].index(own[2].startIndex, offsetBy: $0)
    return UInt8(own[2][start..<own[2].index(start, offsetBy: 2)], radix: 16)!
}
let config = try ForwarderConfig.load(yaml: String(contentsOfFile: own[0], encoding: .utf8), file: own[0])
let eal = split < CommandLine.arguments.endIndex ? Array(CommandLine.arguments[(split + 1)...]) : nil
try EAL.initialize(arguments: DPDKForwarder.ealArguments(for: config, override: eal))
if engineOnly {
    let pool = try PacketPool(name: "engine", count: 1024, socket: 0)
    print(String(format: "engine: %.2f cycles/packet", engineCyclesPerFrame(config: config, frame: frame, pool: pool, seconds: seconds)))
    exit(0)
}
let forwarder = try DPDKForwarder(config: config)
for pool in forwarder.pools { pool.fill(with: frame) }
try forwarder.start()
if pipeline {
    comparePipelines(forwarder: forwarder, config: config, seconds: seconds, rounds: rounds)
    try forwarder.shutdown()
    EAL.cleanup()
    exit(0)
}

// As dpdk-testpmd's per-second rates, the first second is warm-up: the rate is measured after it.
let stop = UnsafeAtomic<Bool>.create(false)
let hz = Double(EAL.tscHz)
let warmUpEnd = rdtsc() + UInt64(hz)
let deadline = warmUpEnd + UInt64(max(seconds - 1, 1) * hz)
// TSC and packets sent at the end of the warm-up and of every second after it.
var marks: [(tsc: UInt64, sent: UInt64)] = []
marks.reserveCapacity(Int(seconds) + 2)
func sentSoFar() -> UInt64 { forwarder.counters.reduce(0) { $0 + $1.txPackets } }
forwarder.run(shouldStop: stop) {
    let now = rdtsc()
    if now >= warmUpEnd + UInt64(Double(marks.count) * hz) { marks.append((now, sentSoFar())) }
    if now >= deadline { stop.store(true, ordering: .relaxed) }
}
marks.append((rdtsc(), sentSoFar()))
try forwarder.shutdown()
let cycles = Double(marks.last!.tsc - marks[0].tsc)
let sent = marks.last!.sent - marks[0].sent
let dropped = forwarder.counters.reduce(0) { $0 + $1.dropped }
print(String(format: "%.3f Mpps, %.1f cycles/packet, %llu dropped", Double(sent) / (cycles / hz) / 1e6,
             cycles * Double(forwarder.lanes.count) / Double(max(sent, 1)), dropped))
let intervals = zip(marks, marks.dropFirst()).filter { $1.tsc - $0.tsc > UInt64(hz / 2) }.map {
    String(format: "%.3f", Double($1.sent - $0.sent) / (Double($1.tsc - $0.tsc) / hz) / 1e6)
}
print("intervals: " + intervals.joined(separator: " "))
EAL.cleanup()
