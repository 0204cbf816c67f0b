import Foundation
import CDPDK
import VFDriver
import XCTest

/// `DPDKForwarder` in this process, on `net_null` vdevs plugged into the test run's EAL.
final class DPDKForwarderTests: XCTestCase {
    /// A started forwarder over `net_null` ports `a` and `b` plugged in for the test, `a`
    /// cross-connected to `b` (and back when `bidirectional`).
    func crossConnected(_ a: String, _ b: String, bidirectional: Bool = true) throws -> DPDKForwarder {
        try plugVirtualDevices([a, b])
        let config = try ForwarderConfig.load(yaml: """
            ports: [{ name: a, device: \(a) }, { name: b, device: \(b) }]
            rules: [{ in: { port: a, vlan: any }, out: { port: b }, bidirectional: \(bidirectional) }]
            """, file: "null.yaml")
        let forwarder = try DPDKForwarder(config: config)
        try forwarder.start()
        return forwarder
    }

    /// One mbuf holds the largest frame as ixgbevf sizes receive buffers (whole KiB, rounded
    /// down), so no frame arrives scattered over a chain.
    func testDataRoomHoldsTheLargestFrameInWholeKiB() {
        let headroom = Int(VF_PKTMBUF_HEADROOM)
        XCTAssertEqual(DPDKForwarder.dataRoom(largestMTU: 1500), Int(VF_MBUF_DEFAULT_BUF_SIZE))
        for mtu in [1500, 1998, 1999, 4000, 9000, 9710] {
            let room = DPDKForwarder.dataRoom(largestMTU: mtu)
            let hardwareBuffer = (room - headroom) / 1024 * 1024
            XCTAssertGreaterThanOrEqual(hardwareBuffer, mtu + 18 + 8, "MTU \(mtu)")
            XCTAssertLessThan(hardwareBuffer - 1024, max(mtu + 18 + 8, 2048), "MTU \(mtu): no more than needed")
        }
    }

    /// Frames of several RX queues are spread by RSS (IP, TCP, UDP hashes the device has); one
    /// queue needs none.
    func testSeveralRXQueuesAreSpreadByRSS() throws {
        try plugVirtualDevices(["net_null6", "net_null7"])
        var c = PortConfiguration()
        c.rxQueues = 2
        c.txQueues = 2
        let spread = try EthPort(id: EthPort.find(DeviceString("net_null6")!), configuration: c, pool: TestEAL.pool)
        let single = try EthPort(id: EthPort.find(DeviceString("net_null7")!), configuration: PortConfiguration(), pool: TestEAL.pool)
        var rss = rte_eth_rss_conf()
        XCTAssertEqual(rte_eth_dev_rss_hash_conf_get(spread.id, &rss), 0)
        XCTAssertEqual(rss.rss_hf & VF_ETH_RSS_IP_TCP_UDP, rss.rss_hf)
        XCTAssertNotEqual(rss.rss_hf, 0)
        XCTAssertEqual(rte_eth_dev_rss_hash_conf_get(single.id, &rss), 0)
        XCTAssertEqual(rss.rss_hf, 0)
    }

    /// Only a device whose PF filters VLANs (an 82599 VF) gets a VLAN filter: a virtual device
    /// keeps receiving every VLAN, so vf-fwd sees and counts frames no rule matches. Nor does
    /// one without MAC filters get MAC entries: it receives every frame.
    func testFiltersOnlyWhereThePFFilters() throws {
        try plugVirtualDevices(["net_null16"])
        var c = PortConfiguration()
        c.vlanFilter = [100, 3000]
        c.macAddresses = [[0x02, 0, 0, 0, 0, 9]]
        let port = try EthPort(id: EthPort.find(DeviceString("net_null16")!), configuration: c, pool: TestEAL.pool)
        XCTAssertFalse(port.filtersVLANs)
        XCTAssertEqual(port.addedMACAddresses, [])
        var conf = rte_eth_conf()
        XCTAssertEqual(vf_eth_dev_conf_get(port.id, &conf), 0)
        XCTAssertEqual(conf.rxmode.offloads & VF_RX_OFFLOAD_VLAN_FILTER, 0)
    }

    /// A port that may be handed chained buffers asks for multi-segment TX where the device has
    /// it (ring does, null does not); a port that may not keeps its fastest TX path.
    func testMultiSegmentTransmitOnlyWhenChainsMayCome() throws {
        try plugVirtualDevices(["net_ring2", "net_ring3", "net_null19"])
        var chains = PortConfiguration()
        chains.transmitsChains = true
        let offloads = { (name: String, c: PortConfiguration) throws -> UInt64 in
            let port = try EthPort(id: EthPort.find(DeviceString(name)!), configuration: c, pool: TestEAL.pool)
            var conf = rte_eth_conf()
            XCTAssertEqual(vf_eth_dev_conf_get(port.id, &conf), 0)
            return conf.txmode.offloads
        }
        XCTAssertEqual(try offloads("net_ring2", chains), VF_TX_OFFLOAD_MULTI_SEGS)
        XCTAssertEqual(try offloads("net_ring3", PortConfiguration()), 0)
        XCTAssertEqual(try offloads("net_null19", chains), 0)
    }

    /// A port polled from an lcore of another NUMA node is said; a virtual device (node -1)
    /// and a port on the lcore's node are not. One pool serves ports of one node.
    func testNUMAPlacement() throws {
        let warnings = DPDKForwarder.numaWarnings(portNames: ["a", "b", "c"], portNodes: [0, 1, -1],
                                                  lanes: [(lcore: 2, node: 0, ports: [0, 1, 2])])
        XCTAssertEqual(warnings, ["port b is on NUMA node 1 but polled from lcore 2 on node 0: every frame crosses between the nodes; give `-l` lcores of node 1"])
        let forwarder = try crossConnected("net_null17", "net_null18")
        XCTAssertEqual(forwarder.pools.count, 1, "virtual devices share the main lcore's node")
        XCTAssertEqual(forwarder.numaWarnings, [])
        try forwarder.shutdown()
    }

    /// What vf-fwd does when a VF's PF resets (ixgbevf raises RTE_ETH_EVENT_INTR_RESET): the
    /// lanes pause, the port is stopped, reset, set up again and restarted, and forwarding goes
    /// on; nothing is lost unaccounted and every buffer is back in the pool.
    func testPFResetRestartsThePortAndForwardingGoesOn() throws {
        let forwarder = try crossConnected("net_null8", "net_null9")
        var ticks = 0
        var receivedBeforeReset: UInt64 = 0
        forwarder.run {
            ticks += 1
            if ticks == 50 {
                receivedBeforeReset = forwarder.counters[0].rxPackets
                forwarder.requestReset(port: 0)
            }
            return ticks < 200
        }
        try forwarder.shutdown()

        XCTAssertEqual(forwarder.resets, [1, 0])
        let counters = forwarder.counters
        XCTAssertGreaterThan(receivedBeforeReset, 0)
        XCTAssertGreaterThan(counters[0].rxPackets, receivedBeforeReset, "port a forwards again after its reset")
        counters.assertAccountingIdentity()
        // The drivers' counters cover the whole run: what port a counted before its reset is kept.
        let device = forwarder.deviceStats
        XCTAssertEqual(device.map(\.ipackets), counters.map(\.rxPackets))
        XCTAssertEqual(device.map(\.opackets), counters.map(\.txPackets))
        XCTAssertEqual(forwarder.buffersInUse, 0, "every buffer back in the pool")
    }

    /// A reset that fails (the PF not back yet, as during a PF driver reload) leaves the port down
    /// and is tried again until the port comes back; meanwhile frames for it count as `tx_full`
    /// and the accounting identity holds. Here the device itself goes away and returns.
    func testFailedResetIsRetriedUntilThePortComesBack() throws {
        let forwarder = try crossConnected("net_null12", "net_null13")
        forwarder.resetRetryInterval = 0.05
        let id = forwarder.ports[0].id
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        var removedAt: Double?, addedAt: Double?, receivedWhenBack: UInt64?
        forwarder.run {
            let now = elapsed()
            if removedAt == nil, now > 0.1 {
                _ = rte_eth_dev_stop(id)
                XCTAssertEqual(rte_eal_hotplug_remove("vdev", "net_null12"), 0)
                forwarder.requestReset(port: 0)
                removedAt = now
            }
            if let removedAt, addedAt == nil, now > removedAt + 0.3 {
                XCTAssertEqual(forwarder.resets, [0, 0], "no reset succeeds while the device is away")
                XCTAssertEqual(rte_eal_hotplug_add("vdev", "net_null12", ""), 0)
                XCTAssertEqual(try? EthPort.find(DeviceString("net_null12")!), id, "the device came back as the same port")
                addedAt = now
            }
            if addedAt != nil, receivedWhenBack == nil, forwarder.resets[0] == 1 {
                receivedWhenBack = forwarder.counters[0].rxPackets
            }
            guard let addedAt else { return true }
            return !(now > addedAt + 0.5 || now > 10)
        }
        try forwarder.shutdown()

        XCTAssertEqual(forwarder.resets, [1, 0], "the port came back once the device returned")
        let counters = forwarder.counters
        XCTAssertGreaterThan(counters[0].rxPackets, receivedWhenBack ?? .max, "port a forwards again")
        XCTAssertGreaterThan(counters[1][.txFull], 0, "frames for port a while it was away")
        counters.assertAccountingIdentity()
        XCTAssertEqual(forwarder.buffersInUse, 0, "every buffer back in the pool")
    }

    /// Each port's link state, which vf-fwd reports when it changes (net_null's link is up while
    /// the port is started).
    func testLinksUpFollowThePorts() throws {
        let forwarder = try crossConnected("net_null14", "net_null15", bidirectional: false)
        XCTAssertEqual(forwarder.linksUp, [true, true])
        XCTAssertEqual(rte_eth_dev_stop(forwarder.ports[0].id), 0)
        XCTAssertEqual(forwarder.linksUp, [false, true])
        try forwarder.ports[0].start()
        XCTAssertEqual(forwarder.linksUp, [true, true])
        try forwarder.shutdown()
    }
}
