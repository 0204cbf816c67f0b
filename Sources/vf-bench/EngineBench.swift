import VFDriver

/// A port that receives the same burst of mbufs on every poll and takes whatever is sent without
/// freeing it: the forwarding engine measured alone, without a PMD's per-frame cost.
struct ReplayPort: PacketPort {
    let frames: UnsafeMutablePointer<Mbuf>
    let count: Int
    var insertsTags: Bool { false }

    func receive(queue: UInt16, into buffers: UnsafeMutablePointer<Mbuf>, capacity: Int) -> Int {
        let n = min(count, capacity)
        buffers.update(from: frames, count: n)
        return n
    }

    func transmit(queue: UInt16, from buffers: UnsafeMutablePointer<Mbuf>, count: Int) -> Int { count }
}

/// The fewest cycles per frame of `config`'s rules on `burst` copies of `frame`, each received
/// on the first port over and over (so every rule that the rewritten frame then matches runs).
func engineCyclesPerFrame(config: ForwarderConfig, frame: [UInt8], pool: PacketPool, seconds: Double) -> Double {
    let burst = config.burst
    let frames = UnsafeMutablePointer<Mbuf>.allocate(capacity: burst)
    defer { frames.deallocate() }
    for i in 0..<burst {
        let buffer = pool.allocate()!
        buffer.append(frame.count)!.update(from: frame, count: frame.count)
        frames[i] = buffer
    }
    defer { for i in 0..<burst { frames[i].free() } }
    let port = ReplayPort(frames: frames, count: burst)
    let lane = ForwardingLane(plan: ForwardingPlan(config: config), ports: Array(repeating: port, count: config.ports.count),
                              rxPairs: [(0, 0)], txQueue: 0, burst: burst)
    // The best of many short windows: interference from other tenants only ever adds cycles.
    let hz = Double(EAL.tscHz)
    let end = rdtsc() + UInt64(seconds * hz)
    var best = Double.infinity
    while rdtsc() < end {
        let start = rdtsc()
        var frameCount = 0
        for _ in 0..<4096 { frameCount &+= lane.poll() }
        best = min(best, Double(rdtsc() - start) / Double(frameCount))
    }
    return best
}
