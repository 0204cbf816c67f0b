import VFDriver
import XCTest

/// The forwarding engine and vf-fwd on mock VFs: rules' VLANs through the PF's filters, VFs of
/// an emulated PF, refusals named by port, recovery from PF resets.
final class MockForwarderTests: MockVFTestCase {
    /// vf-fwd's set-up on VFs of one PF: each port's rules put their VIDs in its VLAN filter, so
    /// the uplink VF receives VLAN 1001, while the PF drops VLAN 1002 before vf-fwd sees it.
    func testRulesVIDsReachTheVFsThroughThePF() throws {
        let nic = MockNIC(vfCount: 2)
        let config = try ForwarderConfig.load(yaml: """
            ports: [{ name: tenant, device: "mock:" }, { name: uplink, device: "mock:" }]
            rules: [{ in: { port: tenant, vlan: 1 }, out: { port: uplink, vlan: 1001 }, bidirectional: true }]
            """, file: "t.yaml")
        let vfs = try zip(nic.vfs, config.portConfigurations).map { vf, configuration in
            var c = configuration
            c.rxDescriptors = 64
            c.txDescriptors = 64
            try vf.configure(c)
            try vf.start()
            return vf
        }
        vfs[0].spoofCheck = false  // the tenant VF sends the uplink's frames with their source MAC
        let lane = ForwardingLane(plan: ForwardingPlan(config: config), ports: vfs.map(\.port),
                                  rxPairs: config.receiveQueues, txQueue: 0, burst: 32)
        nic.injectFromUplink(frame(to: 1, tags: [tag(1001, pcp: 5)]))
        nic.injectFromUplink(frame(to: 1, tags: [tag(1002)]))
        while lane.poll() > 0 {}
        XCTAssertEqual(vfs[1].counters.ipackets, 1, "the PF let VLAN 1001 in and dropped 1002")
        // Out of the tenant VF as VLAN 1; not for a VF whose filter has VLAN 1, so to the wire.
        XCTAssertEqual(nic.drainUplink(), [frame(to: 1, tags: [tag(1, pcp: 5)])])
        var counters = [PortCounters(), PortCounters()]
        for port in 0..<2 { lane.counters.read(port: port, into: &counters[port]) }
        XCTAssertEqual(counters.map(\.rxPackets), [0, 1])
        counters.assertAccountingIdentity()
        XCTAssertEqual(buffersOutAfterStopping(nic), 0)
    }

    /// vf-fwd on VFs of one emulated PF (`pf=`): wire frames reach a VF through the PF's MAC and
    /// VLAN filters, which the port's rules and `mac-addresses` set up; what the VFs send leaves
    /// through the VEB to the wire file. Frames the PF drops never reach vf-fwd's counters.
    func testVFFwdOnVFsOfAnEmulatedPF() throws {
        let dir = try temporaryDirectory()
        let uplinkMAC: [UInt8] = [0x02, 0x09, 0, 0, 1, 1], host: [UInt8] = [0x02, 0xaa, 0, 0, 0, 1]
        func wireFrame(to destination: [UInt8], vid: UInt16, seed: Int) -> [UInt8] {
            var bytes = Frame(tags: [tag(vid, pcp: 2)], seed: seed).bytes
            bytes.replaceSubrange(0..<6, with: destination)
            return bytes
        }
        try PcapFile.write([wireFrame(to: uplinkMAC, vid: 1001, seed: 0),   // for the uplink VF: forwarded
                            wireFrame(to: uplinkMAC, vid: 1002, seed: 1),   // VLAN not in its filter: the PF drops it
                            wireFrame(to: [0x02, 0xbb, 0, 0, 0, 9], vid: 1001, seed: 2),  // nobody's MAC: dropped
                            wireFrame(to: host, vid: 1001, seed: 3)],       // a MAC the uplink added: forwarded
                           to: "\(dir)/wire.pcap")
        let config = try ForwarderConfig.load(yaml: """
            ports:
              - { name: tenant, device: "mock:pf=nic0" }
              - { name: uplink, device: "mock:pf=nic0,wire_rx_pcap=\(dir)/wire.pcap,wire_tx_pcap=\(dir)/out.pcap",
                  mac-addresses: ["02:aa:00:00:00:01"] }
            rules: [{ in: { port: uplink, vlan: 1001 }, out: { port: tenant, vlan: 1 } }]
            """, file: "t.yaml")
        let forwarder = try MockForwarder(config: config)
        XCTAssertEqual(forwarder.portFacts.map(\.vlanFilter), [[], [1001]])
        try forwarder.start()
        var ticks = 0
        forwarder.run { ticks += 1; return ticks < 20 }
        try forwarder.shutdown()
        let c = forwarder.counters
        XCTAssertEqual(c.map(\.rxPackets), [0, 2])
        XCTAssertEqual(c.map(\.txPackets), [2, 0])
        c.assertAccountingIdentity()
        // The tenant VF sent both as VLAN 1; VLAN 1 is in no VF's filter, so they left on the wire.
        XCTAssertEqual(try PcapFile.read("\(dir)/out.pcap"), [wireFrame(to: uplinkMAC, vid: 1, seed: 0), wireFrame(to: host, vid: 1, seed: 3)])
        XCTAssertEqual(forwarder.buffersInUse, 0)
    }

    /// A wire file of many RX rings' worth reaches the VF whole, however the lane keeps pace:
    /// the PF puts frames on only while the rings have room (none is `imissed`), and each
    /// leaves again through the VEB to the wire file, in order.
    func testEmulatedPFDeliversAWireFileLargerThanTheRing() throws {
        let dir = try temporaryDirectory()
        func wireFrame(vid: UInt16, seed: Int) -> [UInt8] {
            var bytes = Frame(tags: [tag(vid, pcp: 3)], seed: seed).bytes
            bytes.replaceSubrange(0..<6, with: [0x02, 0x09, 0, 0, 1, 1])
            return bytes
        }
        try PcapFile.write((0..<5000).map { wireFrame(vid: 1001, seed: $0) }, to: "\(dir)/wire.pcap")
        let config = try ForwarderConfig.load(yaml: """
            ports:
              - { name: tenant, device: "mock:pf=nic0", rx-descriptors: 64 }
              - { name: uplink, device: "mock:pf=nic0,wire_rx_pcap=\(dir)/wire.pcap,wire_tx_pcap=\(dir)/out.pcap", rx-descriptors: 64 }
            rules: [{ in: { port: uplink, vlan: 1001 }, out: { port: tenant, vlan: 7 } }]
            """, file: "t.yaml")
        let forwarder = try MockForwarder(config: config)
        try forwarder.start()
        var ticks = 0
        forwarder.run { ticks += 1; return forwarder.counters[0].txPackets < 5000 && ticks < 100_000 }
        try forwarder.shutdown()
        XCTAssertEqual(forwarder.counters.map(\.rxPackets), [0, 5000])
        XCTAssertEqual(forwarder.deviceStats.map(\.imissed), [0, 0])
        let sent = try PcapFile.read("\(dir)/out.pcap")
        XCTAssertEqual(sent.count, 5000)
        XCTAssertTrue(sent == (0..<5000).map { wireFrame(vid: 7, seed: $0) }, "every frame left once, translated, in order")
        XCTAssertEqual(forwarder.buffersInUse, 0)
    }

    /// A PF reset under vf-fwd on an emulated PF: each VF is reset and set up again, its VLAN
    /// filter included, so the wire's VLAN reaches the uplink again afterwards.
    func testEmulatedPFResetRestoresTheVLANFilter() throws {
        let dir = try temporaryDirectory()
        var frame = Frame(tags: [tag(1001)]).bytes
        frame.replaceSubrange(0..<6, with: [0x02, 0x09, 0, 0, 1, 1])
        try PcapFile.write(Array(repeating: frame, count: 20_000), to: "\(dir)/wire.pcap")
        let config = try ForwarderConfig.load(yaml: """
            ports:
              - { name: tenant, device: "mock:pf=nic0" }
              - { name: uplink, device: "mock:pf=nic0,wire_rx_pcap=\(dir)/wire.pcap" }
            rules: [{ in: { port: uplink, vlan: 1001 }, out: { port: tenant, vlan: 1 } }]
            """, file: "t.yaml")
        let forwarder = try MockForwarder(config: config)
        try forwarder.start()
        var ticks = 0
        var receivedBeforeReset: UInt64 = 0
        forwarder.run {
            ticks += 1
            if ticks == 2 {
                receivedBeforeReset = forwarder.counters[1].rxPackets
                forwarder.vfs.forEach { $0.simulatePFReset() }
            }
            return ticks < 40
        }
        try forwarder.shutdown()
        XCTAssertEqual(forwarder.resets, [1, 1])
        XCTAssertEqual(forwarder.vfs[1].vlanFilter, [1001])
        XCTAssertGreaterThan(forwarder.counters[1].rxPackets, receivedBeforeReset, "VLAN 1001 reaches the uplink after the reset")
        forwarder.counters.assertAccountingIdentity()
        XCTAssertEqual(forwarder.buffersInUse, 0)
    }

    /// More VIDs than the PF's 64 shared VLAN filter entries: the forwarder refuses, naming the port.
    func testForwarderNamesThePortThePFRefuses() throws {
        let rules = (1...65).map { "  - { in: { port: a, vlan: \($0) }, out: { port: b } }" }.joined(separator: "\n")
        let config = try ForwarderConfig.load(yaml: """
            ports: [{ name: a, device: "mock:pf=n" }, { name: b, device: "mock:" }]
            rules:
            \(rules)
            """, file: "t.yaml")
        XCTAssertThrowsError(try MockForwarder(config: config)) {
            XCTAssertEqual("\($0)", "port a: the PF's 64 VLAN filter entries are all in use")
        }
        XCTAssertEqual(config.mockRefusals.map(\.warning), ["the ports on emulated PF n need 65 VLAN filter entries; an 82599 PF has 64 for all its VFs"],
                       "check says so first")
    }

    /// A pool bigger than the machine could hold is refused with what to change (allocating
    /// it trapped): 1000 ports of 8 queues of 4096 descriptors each way want some 140 GiB.
    func testAPoolLargerThanTheMachineIsRefused() {
        var ports: [PortConfig] = []
        for i in 0..<1000 {
            var port = PortConfig(name: "p\(i)", device: .mock(parameters: []))
            (port.rxQueues, port.txQueues, port.rxDescriptors, port.txDescriptors) = (8, 8, 4096, 4096)
            ports.append(port)
        }
        let config = ForwarderConfig(ports: ports, rules: [])
        XCTAssertThrowsError(try MockForwarder(config: config)) {
            XCTAssertTrue("\($0)".hasPrefix("the mock ports' 65569056 buffers (one per RX and TX descriptor, and bursts in flight) would take "), "\($0)")
            XCTAssertTrue("\($0)".hasSuffix("; give the ports fewer queues or descriptors"), "\($0)")
            XCTAssertEqual("\($0)", config.mockPoolProblem, "check says so first")
        }
        ports.removeLast(998)
        XCTAssertNil(ForwarderConfig(ports: ports, rules: []).mockPoolProblem)
    }

    /// `check` finds what `MockVF.configure` refuses, with the queues the emulated PF gives.
    func testMockRefusalsMatchWhatConfigureRefuses() throws {
        let ports = (0..<16).map { "  - { name: v\($0), device: \"mock:pf=n\", rx-queues: \($0 == 0 ? 8 : 4) }" }.joined(separator: "\n")
        let config = try ForwarderConfig.load(yaml: """
            ports:
            \(ports)
              - { name: s, device: "mock:", rx-queues: 3, rx-descriptors: 16 }
            """, file: "t.yaml")
        XCTAssertEqual(config.mockRefusals.map { "\($0.port): \($0.warning)" },
                       ["v0: RX queues must be a power of two up to 4, got 8", "s: RX queues must be a power of two up to 8, got 3"])
        XCTAssertThrowsError(try MockForwarder(config: config)) { XCTAssertEqual("\($0)", "port v0: RX queues must be a power of two up to 4, got 8") }
    }

    func testEmulatedPFKeysAreChecked() {
        for (device, problem) in [("mock:pf=n,rx_pcap=a.pcap", "not rx_pcap/tx_pcap"), ("mock:wire_rx_pcap=a.pcap", "add pf=NAME"),
                                  ("mock:speed=10", "unknown mock parameter 'speed'")] {
            XCTAssertThrowsError(try ForwarderConfig.load(yaml: "ports: [{ name: a, device: \"\(device)\" }]", file: "t.yaml")) {
                XCTAssertTrue("\($0)".contains(problem), "\($0)")
            }
        }
        XCTAssertThrowsError(try ForwarderConfig.load(yaml: """
            ports:
              - { name: a, device: "mock:pf=n,wire_rx_pcap=a.pcap" }
              - { name: b, device: "mock:pf=n,wire_tx_pcap=b.pcap" }
            """, file: "t.yaml")) {
            XCTAssertTrue("\($0)".hasPrefix("t.yaml:3: emulated PF 'n' has its wire named by port 'a' on line 2"), "\($0)")
        }
    }

    /// A PF reset while forwarding: vf-fwd's mock runner resets, reconfigures and restarts.
    func testForwarderRecoversFromPFReset() throws {
        let dir = try temporaryDirectory()
        try PcapFile.write((0..<100).map { Frame(tags: [tag(5)], seed: $0).bytes }, to: "\(dir)/in.pcap")
        let config = try ForwarderConfig.load(yaml: """
            ports:
              - { name: a, device: "mock:rx_pcap=\(dir)/in.pcap" }
              - { name: b, device: "mock:tx_pcap=\(dir)/out.pcap" }
            rules: [{ in: { port: a, vlan: 5 }, out: { port: b, vlan: 6 } }]
            """, file: "t.yaml")
        let forwarder = try MockForwarder(config: config)
        try forwarder.start()
        var ticks = 0
        forwarder.run {
            ticks += 1
            if ticks == 1 { forwarder.vfs[1].simulatePFReset() }
            return ticks < 20
        }
        try forwarder.shutdown()
        XCTAssertEqual(forwarder.resets, [0, 1])
        let c = forwarder.counters
        XCTAssertEqual(c[0].rxPackets, 100)
        XCTAssertEqual(c[0].rxPackets, c[1].txPackets + c[0].dropped)
        XCTAssertEqual(try PcapFile.read("\(dir)/out.pcap").count, Int(c[1].txPackets))
        XCTAssertEqual(forwarder.pool.inUseCount, 0)
        // The reset VF's counters restarted from zero; the forwarder kept what it sent before.
        XCTAssertEqual(forwarder.deviceStats[0].ipackets, 100)
        XCTAssertEqual(forwarder.deviceStats[1].opackets, c[1].txPackets)
    }

    /// The forwarder tries a failed reset again until the PF is back, then forwards on; frames
    /// for the port meanwhile drop as tx_full, and nothing is unaccounted.
    func testForwarderRetriesAResetUntilThePFIsBack() throws {
        let dir = try temporaryDirectory()
        try PcapFile.write((0..<64).map { Frame(tags: [tag(5)], seed: $0).bytes }, to: "\(dir)/in.pcap")
        let config = try ForwarderConfig.load(yaml: """
            ports:
              - { name: a, device: "mock:rx_pcap=\(dir)/in.pcap,infinite_rx=1" }
              - { name: b, device: "mock:" }
            rules: [{ in: { port: a, vlan: 5 }, out: { port: b, vlan: 6 } }]
            """, file: "t.yaml")
        let forwarder = try MockForwarder(config: config)
        forwarder.resetRetryInterval = 0
        try forwarder.start()
        var ticks = 0
        var sentBeforeBack: UInt64 = 0
        forwarder.run {
            ticks += 1
            if ticks == 10 { forwarder.vfs[1].simulatePFReset(pfReady: false) }
            if ticks == 100 {
                XCTAssertEqual(forwarder.resets, [0, 0], "no reset succeeds while the PF is away")
                XCTAssertEqual(forwarder.vfs[1].state, .resetPending)
                sentBeforeBack = forwarder.counters[1].txPackets
                forwarder.vfs[1].simulatePFReady()
            }
            return ticks < 200
        }
        try forwarder.shutdown()
        XCTAssertEqual(forwarder.resets, [0, 1])
        let c = forwarder.counters
        XCTAssertGreaterThan(c[1].txPackets, sentBeforeBack, "b sends again once its PF is back")
        XCTAssertGreaterThan(c[0][.txFull], 0, "frames for b while it was away")
        XCTAssertEqual(c[0].rxPackets, c[1].txPackets + c[0].dropped)
        XCTAssertEqual(forwarder.pool.inUseCount, 0)
        XCTAssertEqual(forwarder.deviceStats[1].opackets, c[1].txPackets)
    }
}
