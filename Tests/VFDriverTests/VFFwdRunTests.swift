import VFDriver
import XCTest

/// vf-fwd as a process on DPDK: how its runs fail (device set-up, EAL, files, hugepages, file
/// prefixes, memory), what they leave behind, and how signals and pipes end or watch them.
final class VFFwdRunTests: XCTestCase {
    /// A device that refuses the config's set-up exits 3 naming the port as the config does.
    func testRefusedPortSetUpNamesTheConfigsPort() throws {
        let dir = try temporaryDirectory()
        try PcapFile.write([], to: "\(dir)/in.pcap")
        try """
            ports:
              - { name: a, device: net_null0 }
              - { name: replay, device: "net_pcap0,rx_pcap=\(dir)/in.pcap,tx_pcap=\(dir)/out.pcap", tx-queues: 2 }
            rules: [{ in: { port: a, vlan: any }, out: { port: replay } }]
            """.write(toFile: "\(dir)/q.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/q.yaml", "--duration", "1", "--quiet"] + PcapForwardingTests.eal)
        XCTAssertEqual(result.status, 3)
        XCTAssertTrue(result.stderr.contains("vf-fwd: configuring port replay (net_pcap) failed: Invalid argument; it has at most 1 RX and 1 TX queues"),
                      result.stderr)
    }

    func testEALFailureExitsThreeWithAdvice() throws {
        let dir = try temporaryDirectory()
        try "ports: [{ name: a, device: net_nosuchpmd0 }]\n".write(toFile: "\(dir)/bad.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/bad.yaml", "--duration", "1"] + PcapForwardingTests.eal)
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertTrue(result.stderr.contains("vf-fwd: "), result.stderr)

        // A pcap port whose input file is missing: the PMD refuses it, and vf-fwd says why.
        try """
            ports:
              - { name: a, device: "net_pcap0,rx_pcap=\(dir)/missing.pcap,tx_pcap=\(dir)/out.pcap" }
              - { name: b, device: net_null0 }
            rules: [{ in: { port: a, vlan: any }, out: { port: b } }]
            """.write(toFile: "\(dir)/missing.yaml", atomically: true, encoding: .utf8)
        let missing = try VFFwdProcess.run(["run", "--config", "\(dir)/missing.yaml", "--duration", "1"] + PcapForwardingTests.eal)
        XCTAssertEqual(missing.status, 3, missing.stderr)
        XCTAssertTrue(missing.stderr.contains("rx_pcap \(dir)/missing.pcap: no such file"), missing.stderr)
    }

    /// EAL arguments that cannot work with a PCI port: `--no-pci` (the port would not be found)
    /// and a block list (the EAL refuses it beside the allow list vf-fwd makes). `check` warns
    /// about the config's `eal:`; `run` exits 3 before starting the EAL, saying what to remove.
    func testEALArgumentsThatHideAPCIPortAreNamed() throws {
        let dir = try temporaryDirectory()
        func config(eal: String) throws -> String {
            try """
                eal: [\(eal)]
                ports:
                  - { name: vf, device: "0000:03:10.0" }
                  - { name: b, device: net_null0 }
                rules: [{ in: { port: vf, vlan: any }, out: { port: b }, bidirectional: true }]
                """.write(toFile: "\(dir)/p.yaml", atomically: true, encoding: .utf8)
            return "\(dir)/p.yaml"
        }
        let blocked = "port vf: vf-fwd adds 0000:03:10.0 to the EAL's allow list (-a), and the EAL refuses a block list (-b/--block) beside it"
        for (eal, expected) in [("--no-huge, --no-pci", "port vf: the EAL arguments include --no-pci"),
                                ("--no-huge, -b, 0000:00:01.0", blocked), ("--no-huge, --block=0000:00:01.0", blocked)] {
            let path = try config(eal: eal)
            let checked = try VFFwdProcess.run(["check", "--config", path])
            XCTAssertEqual(checked.status, 0, checked.stderr)
            XCTAssertTrue(checked.stderr.contains("vf-fwd: warning: " + expected), checked.stderr)
            let ran = try VFFwdProcess.run(["run", "--config", path, "--duration", "1"])
            XCTAssertEqual(ran.status, 3, ran.stderr)
            XCTAssertTrue(ran.stderr.contains("vf-fwd: " + expected), ran.stderr)
            XCTAssertFalse(ran.stderr.contains("EAL:"), "refused before the EAL starts: \(ran.stderr)")
        }
        // The arguments after `--` replace `eal:`, so they are what run checks.
        let fine = try config(eal: "--no-pci")
        let overridden = try VFFwdProcess.run(["run", "--config", fine, "--duration", "1", "--", "--no-huge", "-m", "256", "-b", "0000:00:01.0"])
        XCTAssertEqual(overridden.status, 3, overridden.stderr)
        XCTAssertTrue(overridden.stderr.contains("vf-fwd: " + blocked), overridden.stderr)
        XCTAssertEqual(ForwarderConfig(ports: [PortConfig(name: "n", device: DeviceString("net_null0")!)], rules: [])
                        .ealConflict(inEAL: ["--no-pci", "-b", "0000:00:01.0"]), nil, "no PCI port, no conflict")
    }

    /// `--in-memory` beside `--no-huge`, which the EAL turns into `--legacy-mem` and then refuses
    /// naming only that: vf-fwd names the pair before the EAL starts.
    func testInMemoryBesideNoHugeIsNamed() throws {
        let dir = try temporaryDirectory()
        try """
            eal: ["--no-huge", "-m", "256", "--no-pci", "--in-memory"]
            ports: [{ name: a, device: net_null0 }, { name: b, device: net_null1 }]
            rules: [{ in: { port: a, vlan: any }, out: { port: b }, bidirectional: true }]
            """.write(toFile: "\(dir)/m.yaml", atomically: true, encoding: .utf8)
        let expected = "the EAL refuses --in-memory with --no-huge (which implies --legacy-mem): remove --in-memory"
        let checked = try VFFwdProcess.run(["check", "--config", "\(dir)/m.yaml"])
        XCTAssertEqual(checked.status, 0, checked.stderr)
        XCTAssertTrue(checked.stderr.contains("vf-fwd: warning: " + expected), checked.stderr)
        let ran = try VFFwdProcess.run(["run", "--config", "\(dir)/m.yaml", "--duration", "1", "--quiet"])
        XCTAssertEqual(ran.status, 3, ran.stderr)
        XCTAssertTrue(ran.stderr.contains("vf-fwd: " + expected), ran.stderr)
        XCTAssertFalse(ran.stderr.contains("EAL:"), "refused before the EAL starts: \(ran.stderr)")
    }

    /// The mock's files fail as the pcap PMD's do, when the device is created (exit 3, with the
    /// reason), and an unwritable `--stats-json` before anything is forwarded (exit 2).
    func testFileProblemsStopTheRunBeforeForwarding() throws {
        let dir = try temporaryDirectory()
        try PcapFile.write([Frame().bytes], to: "\(dir)/in.pcap")
        func config(rx: String, tx: String) throws -> String {
            try """
                ports:
                  - { name: a, device: "mock:rx_pcap=\(rx),tx_pcap=\(tx)" }
                  - { name: b, device: "mock:" }
                rules: [{ in: { port: a, vlan: any }, out: { port: b } }]
                """.write(toFile: "\(dir)/m.yaml", atomically: true, encoding: .utf8)
            return "\(dir)/m.yaml"
        }
        let noOutput = try VFFwdProcess.run(["run", "--config", try config(rx: "\(dir)/in.pcap", tx: "\(dir)/no/out.pcap"), "--duration", "1"])
        XCTAssertEqual(noOutput.status, 3, noOutput.stderr)
        XCTAssertTrue(noOutput.stderr.contains("\(dir)/no/out.pcap: cannot create tx_pcap (No such file or directory)"), noOutput.stderr)
        let noInput = try VFFwdProcess.run(["run", "--config", try config(rx: "\(dir)/none.pcap", tx: "\(dir)/out.pcap"), "--duration", "1"])
        XCTAssertEqual(noInput.status, 3, noInput.stderr)
        XCTAssertTrue(noInput.stderr.contains("\(dir)/none.pcap: cannot read the file (No such file or directory)"), noInput.stderr)
        let noStats = try VFFwdProcess.run(["run", "--config", try config(rx: "\(dir)/in.pcap", tx: "\(dir)/out.pcap"),
                                            "--duration", "1", "--stats-json", "\(dir)/no/s.json"])
        XCTAssertEqual(noStats.status, 2, noStats.stderr)
        XCTAssertTrue(noStats.stderr.contains("--stats-json \(dir)/no/s.json: cannot write in \(dir)/no"), noStats.stderr)
        let intoDirectory = try VFFwdProcess.run(["run", "--config", try config(rx: "\(dir)/in.pcap", tx: "\(dir)/out.pcap"),
                                                  "--duration", "1", "--stats-json", dir])
        XCTAssertEqual(intoDirectory.status, 2, intoDirectory.stderr)
        XCTAssertTrue(intoDirectory.stderr.contains("is a directory"), intoDirectory.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(dir)/out.pcap"), "nothing ran")
    }

    /// A shutdown that fails (here the mock's tx_pcap cannot be written: /dev/full) still
    /// writes the stats JSON and prints the table, then exits 1 with the reason.
    func testCountsAreReportedWhenTheShutdownFails() throws {
        let dir = try temporaryDirectory()
        try PcapFile.write((0..<10).map { Frame(tags: [tag(5)], seed: $0).bytes }, to: "\(dir)/in.pcap")
        try """
            ports:
              - { name: a, device: "mock:rx_pcap=\(dir)/in.pcap" }
              - { name: b, device: "mock:tx_pcap=/dev/full", mac-addresses: ["02:00:5e:10:00:01"] }
            rules: [{ in: { port: a, vlan: 5 }, out: { port: b, vlan: 6 } }]
            """.write(toFile: "\(dir)/full.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/full.yaml", "--duration", "0.5", "--stats-json", "\(dir)/s.json"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("/dev/full: cannot write tx_pcap (No space left on device)"), result.stderr)
        XCTAssertTrue(result.stdout.contains("total"), "prints the per-port table")
        XCTAssertTrue(result.stdout.contains("b: mock 82599 VF, MAC 02:09:00:00:00:01 and 02:00:5e:10:00:01\n"),
                      "says what each port is")
        let stats = try StatsJSON(path: "\(dir)/s.json")
        XCTAssertEqual(stats.value("a", "rx_packets"), 10)
        XCTAssertEqual(stats.value("b", "tx_packets"), 10)
    }

    /// Hugepage mode without hugepages reserved: exit 3, saying so and what to do.
    func testNoHugepagesExitsThreeWithAdvice() throws {
        guard EAL.reservedHugepages == 0 else { throw XCTSkip("this machine has hugepages reserved (scripts/hugepages.sh release)") }
        let dir = try temporaryDirectory()
        try "ports: [{ name: a, device: net_null0 }, { name: b, device: net_null1 }]\n"
            .write(toFile: "\(dir)/null.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/null.yaml", "--duration", "1",
                                           "--", "-l", "0", "-m", "64", "--no-pci", "--log-level=3"])
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertTrue(result.stderr.contains("no hugepages are reserved: run `scripts/hugepages.sh reserve 1024`"), result.stderr)
    }

    /// An EAL argument the EAL refuses: exit 3, pointing at the arguments, not at hugepages.
    func testRefusedEALArgumentExitsThreeSayingSo() throws {
        let dir = try temporaryDirectory()
        try "ports: [{ name: a, device: net_null0 }, { name: b, device: net_null1 }]\n"
            .write(toFile: "\(dir)/null.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/null.yaml", "--duration", "1",
                                           "--", "-l", "0", "--no-huge", "--no-such-option"])
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertTrue(result.stderr.contains("an EAL argument was refused"), result.stderr)
        XCTAssertFalse(result.stderr.contains("hugepages.sh"), result.stderr)
        // The EAL's reason, which the advice points at, is an error: `--quiet` keeps it.
        let quiet = try VFFwdProcess.run(["run", "--config", "\(dir)/null.yaml", "--duration", "1", "--quiet",
                                          "--", "-l", "0", "--no-huge", "--huge-unlink", "--no-pci"])
        XCTAssertEqual(quiet.status, 3, quiet.stderr)
        XCTAssertTrue(quiet.stderr.contains("EAL: Option --huge-unlink cannot be specified together with --no-huge"), quiet.stderr)
    }

    /// Interval lines reach a pipe as they are printed, not when the run ends.
    func testIntervalLinesReachAPipeWhileRunning() throws {
        let dir = try temporaryDirectory()
        try "ports: [{ name: a, device: net_null0 }, { name: b, device: net_null1 }]\n"
            .write(toFile: "\(dir)/null.yaml", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = VFFwdProcess.productsDirectory.appendingPathComponent("vf-fwd")
        process.arguments = ["run", "--config", "\(dir)/null.yaml", "--duration", "4", "--stats-interval", "0.2"] + PcapForwardingTests.eal
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { process.waitUntilExit() }
        var seen = ""
        while !seen.contains("[0.") {
            let chunk = pipe.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        XCTAssertTrue(seen.contains("[0."), seen)
        XCTAssertTrue(process.isRunning, "an interval line arrived only at exit")
        process.interrupt()
    }

    /// A reader of the run's output that goes away (`| head`, a log collector that dies) does
    /// not end the run: SIGPIPE killed it, and a warning to a closed stderr trapped, each before
    /// the pcap PMD flushed its output file and --stats-json was written.
    func testARunOutlivesTheReaderOfItsOutput() throws {
        let dir = try temporaryDirectory()
        let frames = (0..<20).map { Frame(tags: [tag(100)], seed: $0).bytes }
        try PcapFile.write(frames, to: "\(dir)/in.pcap")
        try """
            ports:
              - { name: a, device: "net_pcap0,rx_pcap=\(dir)/in.pcap,tx_pcap=\(dir)/unused.pcap" }
              - { name: b, device: "net_pcap1,rx_pcap=\(dir)/empty.pcap,tx_pcap=\(dir)/out.pcap" }
              - { name: idle, device: net_null0 }
            rules: [{ in: { port: a, vlan: any }, out: { port: b } }]
            """.write(toFile: "\(dir)/c.yaml", atomically: true, encoding: .utf8)
        try PcapFile.write([], to: "\(dir)/empty.pcap")
        let process = Process()
        process.executableURL = VFFwdProcess.productsDirectory.appendingPathComponent("vf-fwd")
        process.arguments = ["run", "--config", "\(dir)/c.yaml", "--duration", "1", "--stats-interval", "0.05",
                             "--stats-json", "\(dir)/s.json"] + PcapForwardingTests.eal
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        try out.fileHandleForReading.close()
        try err.fileHandleForReading.close()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .exit)
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(try PcapFile.read("\(dir)/out.pcap"), frames)
        XCTAssertEqual(try StatsJSON(path: "\(dir)/s.json").value("b", "tx_packets"), frames.count)
    }

    /// A second process on a file prefix a running one holds: exit 3, naming the prefix (the EAL
    /// sets no rte_errno for this).
    func testFilePrefixInUseExitsThreeNamingIt() throws {
        let dir = try temporaryDirectory()
        try "ports: [{ name: a, device: net_null0 }, { name: b, device: net_null1 }]\n"
            .write(toFile: "\(dir)/null.yaml", atomically: true, encoding: .utf8)
        let prefix = "vf-test-shared-\(getpid())"
        let eal = ["--", "-l", "0", "--no-huge", "-m", "128", "--no-pci", "--log-level=3", "--file-prefix", prefix]
        let first = Process()
        first.executableURL = VFFwdProcess.productsDirectory.appendingPathComponent("vf-fwd")
        first.arguments = ["run", "--config", "\(dir)/null.yaml", "--duration", "3", "--quiet"] + eal
        try first.run()
        defer { first.waitUntilExit(); try? FileManager.default.removeItem(atPath: "/var/run/dpdk/\(prefix)") }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: "/var/run/dpdk/\(prefix)/config") { usleep(20_000) }
        usleep(200_000)
        let second = try VFFwdProcess.run(["run", "--config", "\(dir)/null.yaml", "--duration", "1", "--quiet"] + eal)
        XCTAssertEqual(second.status, 3, second.stderr)
        XCTAssertTrue(second.stderr.contains("another DPDK process runs with --file-prefix \(prefix)"), second.stderr)
        XCTAssertFalse(second.stderr.contains("Success"), second.stderr)
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0, "the first run is undisturbed")
    }

    /// More buffers than the EAL has memory for: exit 3, the reason and what to do.
    func testPoolTooLargeForTheMemoryExitsThreeWithAdvice() throws {
        let dir = try temporaryDirectory()
        try """
            ports:
              - { name: a, device: net_null0, rx-descriptors: 32768, tx-descriptors: 32768 }
              - { name: b, device: net_null1, rx-descriptors: 32768, tx-descriptors: 32768 }
            rules: [{ in: { port: a, vlan: any }, out: { port: b } }]
            """.write(toFile: "\(dir)/big.yaml", atomically: true, encoding: .utf8)
        let result = try VFFwdProcess.run(["run", "--config", "\(dir)/big.yaml", "--duration", "1",
                                           "--", "-l", "0", "--no-huge", "-m", "64", "--no-pci", "--log-level=3"])
        XCTAssertEqual(result.status, 3, result.stderr)
        XCTAssertTrue(result.stderr.contains("Cannot allocate memory"), result.stderr)
        XCTAssertTrue(result.stderr.contains("give the EAL more memory"), result.stderr)
    }

    /// A SIGKILLed run leaves its EAL runtime directory; the next run removes it, and never
    /// one whose process still runs, even before the EAL locks its config file, nor another
    /// prefix's.
    func testStaleRuntimeDirectoriesAreRemovedLiveOnesKept() throws {
        func endedProcessID() throws -> Int32 {
            let done = Process()
            done.executableURL = URL(fileURLWithPath: "/bin/true")
            try done.run()
            done.waitUntilExit()
            return done.processIdentifier
        }
        let root = try temporaryDirectory()
        let fm = FileManager.default
        let killed = "\(root)/vf-fwd-\(try endedProcessID())", failedEarly = "\(root)/vf-fwd-\(try endedProcessID())"
        let running = "\(root)/vf-fwd-1", other = "\(root)/someone-else-1"
        for directory in [killed, failedEarly, running, other] { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        XCTAssertTrue(fm.createFile(atPath: "\(killed)/config", contents: Data(count: 64)))
        XCTAssertTrue(fm.createFile(atPath: "\(running)/config", contents: Data(count: 64)))
        XCTAssertEqual(Set(EAL.removeStaleRuntimeDirectories(root: root)), [killed, failedEarly])
        XCTAssertTrue(fm.fileExists(atPath: running), "process 1 runs, its config not locked yet, as an EAL starting up")
        XCTAssertTrue(fm.fileExists(atPath: other))

        // A vf-fwd that runs: its primary holds the lock on its config file.
        let dir = try temporaryDirectory("live")
        try "ports: [{ name: a, device: net_null0 }, { name: b, device: net_null1 }]\n"
            .write(toFile: "\(dir)/null.yaml", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = VFFwdProcess.productsDirectory.appendingPathComponent("vf-fwd")
        process.arguments = ["run", "--config", "\(dir)/null.yaml", "--duration", "5", "--quiet"] + PcapForwardingTests.eal
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let live = "/var/run/dpdk/vf-fwd-\(process.processIdentifier)"
        for _ in 0..<100 where !fm.fileExists(atPath: "\(live)/config") { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertTrue(fm.fileExists(atPath: "\(live)/config"))
        XCTAssertFalse(EAL.removeStaleRuntimeDirectories().contains(live))
        XCTAssertTrue(fm.fileExists(atPath: live), "a running vf-fwd keeps its directory")
        process.terminate()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }

    func testSIGTERMStopsCleanly() throws {
        let dir = try temporaryDirectory()
        try """
            ports: [{ name: a, device: net_null0 }, { name: b, device: net_null1 }]
            rules: [{ in: { port: a, vlan: any }, out: { port: b } }]
            """.write(toFile: "\(dir)/null.yaml", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = VFFwdProcess.productsDirectory.appendingPathComponent("vf-fwd")
        process.arguments = ["run", "--config", "\(dir)/null.yaml", "--stats-json", "\(dir)/s.json", "--quiet"] + PcapForwardingTests.eal
        try process.run()
        Thread.sleep(forTimeInterval: 1.0)
        process.terminate()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let stats = try StatsJSON(path: "\(dir)/s.json")
        XCTAssertEqual(stats.total("rx_packets"), stats.total("tx_packets") + stats.total("dropped"))
    }
}
