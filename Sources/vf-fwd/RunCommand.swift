import ArgumentParser
import Atomics
import Foundation
import VFDriver

/// Set by SIGINT/SIGTERM and by `--duration`; every lane polls it between bursts.
let stopRequested = UnsafeAtomic<Bool>.create(false)

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Forward frames by the config's rules.")

    @Option(name: .long, help: "The YAML config file.")
    var config: String

    // `.unconditional`: a negative number is this option's (wrong) value, not an unknown option.
    @Option(name: .long, parsing: .unconditional, help: "Stop after this many seconds (default: until SIGINT or SIGTERM).")
    var duration: Double?

    @Option(name: .customLong("stats-json"), help: "Write the final counters to this file as JSON.")
    var statsJSON: String?

    @Option(name: .customLong("stats-interval"), parsing: .unconditional, help: "Print per-port counts and rates every this many seconds.")
    var statsInterval: Double?

    @Flag(name: .long, help: "Print nothing but errors.")
    var quiet = false

    @Argument(parsing: .postTerminator, help: "EAL arguments; they replace the config's `eal:` list.")
    var ealArguments: [String] = []

    func validate() throws {
        if let duration, !(duration > 0) { throw ValidationError("--duration must be a positive number of seconds") }
        if let statsInterval, !(statsInterval > 0) { throw ValidationError("--stats-interval must be a positive number of seconds") }
        // Found out now, not after a long run whose counters would then be lost.
        if let statsJSON {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: statsJSON, isDirectory: &isDirectory), isDirectory.boolValue {
                throw ValidationError("--stats-json \(statsJSON) is a directory; name a file")
            }
            let directory = parentDirectory(of: statsJSON)
            guard access(directory.isEmpty ? "." : directory, W_OK) == 0 else {
                throw ValidationError("--stats-json \(statsJSON): cannot write in \(directory.isEmpty ? "." : directory) (\(String(cString: strerror(errno))))")
            }
        }
    }

    /// SIGINT and SIGTERM end a run the orderly way (spec section 1) from the process's first
    /// moments on, so that one sent right after launch (a supervisor stopping it) still gets the
    /// counters, not the default action's death. The flag is created here, not on first use
    /// inside a handler, where its allocation would not be safe.
    static func catchStopSignals() {
        stopRequested.store(false, ordering: .relaxed)
        signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
        // Whoever reads the start and interval lines may go away (`| head`, a log collector that
        // dies): the run goes on, its lines lost, and still drains, closes its ports and writes
        // --stats-json, instead of the default action's death.
        signal(SIGPIPE, SIG_IGN)
    }

    func run() throws {
        // Line by line even into a pipe (`| tee`, a log collector): the start, interval and link
        // lines are for whoever watches the run, not for its end.
        setvbuf(stdout, nil, _IOLBF, 0)
        let parsed = try loadConfig(config)
        for port in parsed.portsInNoRule where !quiet { warn("port \(port): \(ForwarderConfig.inNoRuleWarning)") }
        let outcome = parsed.isMockOnly ? try forwardOnMock(parsed) : try forwardOnDPDK(parsed)
        // The counters are reported even when the shutdown went wrong: they are all there is.
        try finish(outcome.report)
        if let problem = outcome.problem { throw Failure.runtime(problem) }
    }

    func forwardOnDPDK(_ parsed: ForwarderConfig) throws(Failure) -> RunOutcome {
        // Before the EAL takes the VFs: what their PFs will silently drop or hold back.
        for (port, warning) in parsed.pfSettingsWarnings() where !quiet { warn("port \(port): \(warning)") }
        EAL.removeStaleRuntimeDirectories()
        var arguments = DPDKForwarder.ealArguments(for: parsed, override: ealArguments.isEmpty ? nil : ealArguments)
        // Errors only (RTE_LOG_ERR): the EAL's own reason for refusing its arguments is one.
        if quiet { arguments.append("--log-level=4") }
        // The EAL would refuse these arguments, or start and not find the port: say so first.
        if let problem = parsed.ealConflict(inEAL: arguments) { throw .initialisation(problem) }
        do {
            try EAL.initialize(arguments: arguments)
        } catch {
            throw .initialisation(error.description)
        }
        defer { EAL.cleanup() }
        let forwarder: DPDKForwarder
        do {
            forwarder = try DPDKForwarder(config: parsed)
            try forwarder.start()
        } catch {
            throw .initialisation(error.description)
        }
        for warning in forwarder.numaWarnings where !quiet { warn(warning) }
        return forward(forwarder, parsed)
    }

    /// A config of only `mock:` ports: the pure-Swift mock VF, without DPDK.
    func forwardOnMock(_ parsed: ForwarderConfig) throws(Failure) -> RunOutcome {
        let forwarder: MockForwarder
        do {
            forwarder = try MockForwarder(config: parsed)
            try forwarder.start()
        } catch {
            throw .initialisation("mock device: \(error)")
        }
        return forward(forwarder, parsed)
    }

    /// Runs a started forwarder until `--duration` or a signal, then shuts it down and reports.
    func forward(_ forwarder: some Forwarder, _ parsed: ForwarderConfig) -> RunOutcome {
        if !quiet {
            for (port, facts) in zip(parsed.ports, forwarder.portFacts) { print("\(port.name): \(facts.description)") }
        }
        awaitLinks(forwarder, parsed)
        let clock = RunClock(duration: duration, statsInterval: statsInterval)
        var previous = (time: 0.0, counters: Array(repeating: PortCounters(), count: parsed.ports.count))
        var links = Array(repeating: true, count: parsed.ports.count)
        forwarder.run(shouldStop: stopRequested) {
            if clock.durationElapsed { stopRequested.store(true, ordering: .relaxed) }
            if !quiet, clock.linkCheckDue {
                let now = forwarder.linksUp
                for (i, up) in now.enumerated() where up != links[i] {
                    print(String(format: "[%.3f s] ", clock.elapsed) + "\(parsed.ports[i].name): link \(up ? "up" : "down")")
                }
                links = now
            }
            if !quiet, clock.statsDue {
                let now = (time: clock.elapsed, counters: forwarder.counters)
                printInterval(parsed, now, since: previous)
                previous = now
            }
        }
        let elapsed = clock.elapsed
        var problems: [String] = []
        do {
            try forwarder.shutdown()
        } catch {
            problems.append("shutting down: \(error)")
        }
        // Every packet buffer must be back in its pool by now.
        let lost = forwarder.buffersInUse
        if lost != 0 { problems.append("\(lost) packet buffers did not return to their pool") }
        let counters = forwarder.counters, device = forwarder.deviceStats
        let report = StatsReport(durationSeconds: elapsed, ports: parsed.ports.indices.map {
            StatsReport.Port(name: parsed.ports[$0].name, counters: counters[$0], device: device[$0])
        })
        return RunOutcome(report: report, problem: problems.isEmpty ? nil : problems.joined(separator: "; "))
    }

    /// How long `awaitLinks` waits, as dpdk-testpmd and DPDK's l2fwd do
    /// (`check_all_ports_link_status`: 90 checks 100 ms apart).
    static let linkWaitSeconds = 9.0

    /// Waits, before forwarding, until every port's link is up (a memif or tap peer connecting,
    /// a NIC finishing autonegotiation), checking every 100 ms, for `linkWaitSeconds` at most,
    /// so a source that starts at once (a traffic file) does not meet a port still coming up.
    /// A port still down then is reported by the run's first link check, and forwarding starts
    /// anyway. A stop signal ends the wait. Not part of `--duration`.
    func awaitLinks(_ forwarder: some Forwarder, _ parsed: ForwarderConfig) {
        var down = parsed.ports.indices.filter { !forwarder.linksUp[$0] }
        guard !down.isEmpty else { return }
        let start = DispatchTime.now().uptimeNanoseconds
        func waited() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        if !quiet {
            let names = down.map { parsed.ports[$0].name }.joined(separator: ", ")
            print("waiting up to \(Int(Self.linkWaitSeconds)) s for the link of \(names)")
        }
        while !down.isEmpty, waited() < Self.linkWaitSeconds, !stopRequested.load(ordering: .relaxed) {
            usleep(100_000)
            down = down.filter { !forwarder.linksUp[$0] }
        }
        if !quiet, down.isEmpty { print(String(format: "links up after %.1f s", waited())) }
    }

    /// One line: per port, packets so far and the rate since the previous line.
    ///   [2.000 s] a rx 61234567 (30.6 Mpps) tx 61234560 (30.6 Mpps) drop 7 | b rx ...
    func printInterval(_ parsed: ForwarderConfig, _ now: (time: Double, counters: [PortCounters]),
                       since previous: (time: Double, counters: [PortCounters])) {
        let seconds = max(now.time - previous.time, 1e-9)
        func rate(_ packets: UInt64, _ before: UInt64) -> String { String(format: "%.3f Mpps", Double(packets - before) / seconds / 1e6) }
        let line = parsed.ports.indices.map { i in
            let c = now.counters[i], p = previous.counters[i]
            return "\(parsed.ports[i].name) rx \(c.rxPackets) (\(rate(c.rxPackets, p.rxPackets))) "
                + "tx \(c.txPackets) (\(rate(c.txPackets, p.txPackets))) drop \(c.dropped)"
        }.joined(separator: " | ")
        print(String(format: "[%.3f s] ", now.time) + line)
    }

    func finish(_ report: StatsReport) throws(Failure) {
        if let statsJSON {
            do {
                try report.json.write(toFile: statsJSON, atomically: true, encoding: .utf8)
            } catch {
                throw .runtime("cannot write --stats-json \(statsJSON): \(error.localizedDescription)")
            }
        }
        if !quiet { print(report.table, terminator: "") }
    }
}

/// A finished run: its counters, and what went wrong at the end, if anything (exit 1).
struct RunOutcome {
    var report: StatsReport
    var problem: String?
}

/// Wall time of the run, and when `--duration` and `--stats-interval` fall due.
final class RunClock {
    let start = DispatchTime.now().uptimeNanoseconds
    let duration: Double?
    let statsInterval: Double?
    private var nextStats: Double
    private var nextLinkCheck = 0.0

    init(duration: Double?, statsInterval: Double?) {
        self.duration = duration
        self.statsInterval = statsInterval
        nextStats = statsInterval ?? .infinity
    }

    var elapsed: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    var durationElapsed: Bool { duration.map { elapsed >= $0 } ?? false }

    /// Every 100 ms, starting at once (so a port whose link is down at start is reported).
    var linkCheckDue: Bool {
        guard elapsed >= nextLinkCheck else { return false }
        nextLinkCheck = elapsed + 0.1
        return true
    }

    var statsDue: Bool {
        guard let statsInterval, elapsed >= nextStats else { return false }
        nextStats += statsInterval
        return true
    }
}
