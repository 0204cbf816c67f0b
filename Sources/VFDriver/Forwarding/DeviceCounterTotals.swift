/// Keeps the drivers' counters of a whole run, which the drivers alone do not:
/// - an 82599 VF counts packets in 32-bit registers that ixgbevf widens only when they are read
///   (`ixgbevf_update_stats`); at 14.88 Mpps they wrap every 289 s, so a counter not read for that
///   long loses 2^32 packets. The forwarders read them every `readInterval`.
/// - after a PF reset, `rte_eth_dev_reset` re-initialises the port and ixgbevf starts its counters
///   again from zero (`eth_ixgbevf_dev_init` calls `ixgbevf_dev_stats_reset`). What the port
///   counted before is carried over here.
struct DeviceCounterTotals {
    /// Per port, what earlier incarnations of it (before a reset) counted.
    private var earlier: [DeviceCounters]
    private let readInterval: UInt64
    private var nextRead: UInt64

    /// `readInterval` in nanoseconds: 10 s, well inside the 289 s a VF's counter lasts at line rate.
    init(ports: Int, readInterval: UInt64 = 10_000_000_000) {
        earlier = Array(repeating: DeviceCounters(), count: ports)
        self.readInterval = readInterval
        nextRead = monotonicNanoseconds() &+ readInterval
    }

    /// Calls `read` when the interval has passed; cheap otherwise (a monotonic clock read).
    mutating func readIfDue(_ read: () -> Void) {
        let now = monotonicNanoseconds()
        guard now >= nextRead else { return }
        nextRead = now &+ readInterval
        read()
    }

    /// `port` is about to be reset: keeps what its driver counted so far.
    mutating func carryOver(port: Int, _ counted: DeviceCounters) { earlier[port] += counted }

    /// The whole run's counters of `port`, given what its driver counts now.
    func total(port: Int, current: DeviceCounters) -> DeviceCounters { earlier[port] + current }
}
