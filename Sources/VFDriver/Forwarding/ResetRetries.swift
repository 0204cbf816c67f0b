#if canImport(Glibc)
import Glibc
#endif

/// The ports whose reset failed (the PF not back yet, as during a PF driver reload) and when
/// each is tried again: every `interval` seconds until the reset succeeds. DPDKForwarder and
/// MockForwarder keep it alike.
struct ResetRetries {
    var interval = 1.0
    /// Per port, when (`monotonicNanoseconds`) its failed reset is tried again.
    private var due: [UInt64?]

    init(ports: Int) { due = Array(repeating: nil, count: ports) }

    /// The port's last reset failed and it waits for the next try.
    func isRetrying(_ port: Int) -> Bool { due[port] != nil }

    /// The port's next try is due at `now`.
    func isDue(_ port: Int, now: UInt64) -> Bool { due[port].map { now >= $0 } ?? false }

    mutating func succeeded(_ port: Int) { due[port] = nil }

    mutating func failed(_ port: Int, now: UInt64) { due[port] = now &+ UInt64(interval * 1e9) }
}

/// CLOCK_MONOTONIC in nanoseconds: the forwarders' timers (counter reads, reset retries).
func monotonicNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
}
