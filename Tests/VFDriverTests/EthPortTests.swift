import Atomics
import CDPDK
@testable import VFDriver
import XCTest

/// The library on real DPDK ports in this process: `net_ring` vdevs whose TX loops back into
/// their own RX, on the test run's one EAL (`TestEAL`).
final class EthPortTests: XCTestCase {
    static var pool: PacketPool { TestEAL.pool }
    static var ports: [EthPort] { TestEAL.ringPorts }

    /// Puts `frames` on `port`'s wire: transmitted on a ring port, they come back on its RX.
    func inject(_ frames: [[UInt8]], into port: EthPort) {
        var buffers = frames.map { bytes in
            let m = Self.pool.allocate()!
            m.append(bytes.count)!.update(from: bytes, count: bytes.count)
            return m
        }
        XCTAssertEqual(port.transmit(queue: 0, from: &buffers, count: buffers.count), frames.count)
    }

    func drain(_ port: EthPort) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var buffers = [Mbuf](repeating: Mbuf(OpaquePointer(bitPattern: 1)!), count: 32)
        while true {
            let n = port.receive(queue: 0, into: &buffers, capacity: 32)
            if n == 0 { return out }
            for m in buffers[0..<n] {
                out.append(Array(UnsafeBufferPointer(start: m.data, count: m.length)))
                m.free()
            }
        }
    }

    func testGoldenSuiteThroughALaneOnRingPorts() throws {
        let ports = Self.ports
        let config = try ForwarderConfig.load(yaml: """
            ports: [{ name: a, device: net_ring0 }, { name: b, device: net_ring1 }]
            rules:
              - { in: { port: a, vlan: 20 }, out: { port: b, vlan: untagged } }
              - { in: { port: a, vlan: 30 }, out: { port: b, vlan: 31 } }
              - { in: { port: a, vlan: 40 }, out: { port: b, vlan: [41, 42] } }
              - { in: { port: a, vlan: [60, 61] }, out: { port: b, vlan: 62 } }
            """, file: "t.yaml")
        let lane = ForwardingLane(plan: ForwardingPlan(config: config), ports: ports, rxPairs: [(0, 0)], txQueue: 0, burst: 32)
        var inputs: [[UInt8]] = [], expected: [[UInt8]] = []
        var drops = [DropReason: Int]()
        for i in 0..<300 {
            let pcp = UInt16(i % 8)
            let f: Frame
            switch i % 6 {
            case 0: f = Frame(tags: [tag(20, pcp: pcp)], seed: i); expected.append(GoldenCases.rewritten(f, to: []))
            case 1: f = Frame(tags: [tag(30, pcp: pcp, dei: true)], seed: i); expected.append(GoldenCases.rewritten(f, to: [31]))
            case 2: f = Frame(tags: [tag(40, pcp: pcp)], seed: i); expected.append(GoldenCases.rewritten(f, to: [41, 42]))
            case 3: f = Frame(tags: [tag(60, pcp: pcp, tpid: 0x88a8), tag(61, pcp: 1)], seed: i); expected.append(GoldenCases.rewritten(f, to: [62]))
            case 4: f = Frame(tags: [tag(21)], seed: i); drops[.noRule, default: 0] += 1
            default: f = Frame(tags: [tag(4095)], seed: i); drops[.malformed, default: 0] += 1
            }
            inputs.append(f.bytes)
        }
        let before = Self.pool.inUseCount
        inject(inputs, into: ports[0])
        while lane.poll() > 0 {}
        XCTAssertEqual(drain(ports[1]), expected)
        var a = PortCounters(), b = PortCounters()
        lane.counters.read(port: 0, into: &a)
        lane.counters.read(port: 1, into: &b)
        XCTAssertEqual(a.rxPackets, 300)
        XCTAssertEqual(b.txPackets, UInt64(expected.count))
        XCTAssertEqual(a[.noRule], UInt64(drops[.noRule]!))
        XCTAssertEqual(a[.malformed], UInt64(drops[.malformed]!))
        XCTAssertEqual(a.rxPackets, b.txPackets + a.dropped)
        XCTAssertEqual(Self.pool.inUseCount, before, "every mbuf is back in its pool")
    }

    /// A tag in mbuf metadata (as RX VLAN strip leaves it) classifies and rewrites exactly as
    /// the same tag in the frame; an `any` rule puts it back in the frame.
    func testStrippedTagInMbufMetadata() throws {
        let ports = Self.ports
        let config = try ForwarderConfig.load(yaml: """
            ports: [{ name: a, device: net_ring0 }, { name: b, device: net_ring1 }]
            rules:
              - { in: { port: a, vlan: [30, 99] }, out: { port: b, vlan: [7, 8] } }
              - { in: { port: a, vlan: any }, out: { port: b } }
            """, file: "t.yaml")
        let plan = ForwardingPlan(config: config, insertsTags: [false, false], stripsTags: [true, false])
        let lane = ForwardingLane(plan: plan, ports: ports, rxPairs: [(0, 0)], txQueue: 0, burst: 32)
        let translated = Frame(tags: [tag(30, pcp: 5, dei: true), tag(99, pcp: 2)], seed: 1)
        let passed = Frame(tags: [tag(31, pcp: 6)], seed: 2)
        var buffers = [translated, passed].map { f -> Mbuf in
            var bytes = f.bytes
            let tci = UInt16(bytes[14]) << 8 | UInt16(bytes[15])
            bytes.removeSubrange(12..<16)  // the NIC took the outer tag out of the frame
            let m = Self.pool.allocate()!
            m.append(bytes.count)!.update(from: bytes, count: bytes.count)
            m.markStripped(tci: tci)
            return m
        }
        XCTAssertEqual(ports[0].transmit(queue: 0, from: &buffers, count: 2), 2)
        while lane.poll() > 0 {}
        XCTAssertEqual(drain(ports[1]), [GoldenCases.rewritten(translated, to: [7, 8]), passed.bytes])
    }

    func testSteadyStateDPDKLoopAllocatesNothing() throws {
        let ports = Self.ports
        let config = try ForwarderConfig.load(yaml: """
            ports: [{ name: a, device: net_ring0 }, { name: b, device: net_ring1 }]
            rules: [{ in: { port: a, vlan: 30 }, out: { port: b, vlan: 31 } }, { in: { port: b, vlan: 31 }, out: { port: a, vlan: 30 } }]
            """, file: "t.yaml")
        let lane = ForwardingLane(plan: ForwardingPlan(config: config), ports: ports, rxPairs: [(0, 0), (1, 0)], txQueue: 0, burst: 32)
        // 64 frames bounce a -> b -> a forever: each port's TX loops into its RX.
        inject((0..<64).map { Frame(tags: [tag(30)], seed: $0).bytes }, into: ports[0])
        for _ in 0..<100 { _ = lane.poll() }
        var forwarded = 0
        let count = allocations {
            for _ in 0..<5_000 { forwarded += lane.poll() }
        }
        XCTAssertGreaterThan(forwarded, 50_000)
        XCTAssertEqual(count, 0)
        _ = drain(ports[0]) + drain(ports[1])
    }

    /// `PacketBurst` over DPDK ports: frames received on one ring port leave by the other, byte
    /// for byte, and mbufs a burst still holds when it ends go back to the pool.
    func testPacketBurstCarriesMbufsAndReturnsWhatItHolds() throws {
        let ports = Self.ports
        let inUse = Self.pool.inUseCount
        let frames = (0..<40).map { Frame(tags: [tag(30)], seed: $0).bytes }
        inject(frames, into: ports[0])
        do {
            var burst = PacketBurst<Mbuf>(capacity: 32)
            XCTAssertEqual(burst.receive(from: ports[0], queue: 0), 32)
            XCTAssertEqual(burst.transmit(to: ports[1], queue: 0), 32)
            XCTAssertEqual(burst.receive(from: ports[0], queue: 0), 8)
            XCTAssertEqual(Self.pool.inUseCount, inUse + 40, "32 in port b's loop, 8 in the burst")
        }
        XCTAssertEqual(drain(ports[1]), Array(frames[..<32]))
        XCTAssertEqual(Self.pool.inUseCount, inUse, "the burst's 8 went back as it ended")
    }

    /// ethdev counts a burst in 16 bits: a larger request is served in part, not trapped.
    func testABurstOverEthdevsLimitIsServedInPart() throws {
        let ports = Self.ports
        inject((0..<40).map { Frame(seed: $0).bytes }, into: ports[0])
        var burst = PacketBurst<Mbuf>(capacity: 70_000)
        XCTAssertEqual(burst.receive(from: ports[0], queue: 0), 40)
        XCTAssertEqual(burst.transmit(to: ports[0], queue: 0), 40)
        XCTAssertEqual(drain(ports[0]).count, 40)
    }

    /// Without hugepages the pool packs mbufs across 4 KiB pages, so a burst's headers spread over
    /// the L1 sets instead of sharing two; IO addresses stay exact (IOVA as VA).
    func testPoolWithoutHugepagesPacksMbufsAcrossPages() {
        let buffers = (0..<64).compactMap { _ in Self.pool.allocate() }
        defer { buffers.forEach { $0.free() } }
        XCTAssertEqual(buffers.count, 64)
        let sets = Set(buffers.map { UInt(bitPattern: Int(bitPattern: UnsafeRawPointer($0.pointer))) >> 6 & 63 })
        XCTAssertGreaterThan(sets.count, 32, "mbuf headers crowd into \(sets.count) of 64 L1 sets")
        for buffer in buffers {
            XCTAssertEqual(vf_mbuf_buf_iova(buffer.pointer), UInt64(vf_mbuf_buf_addr(buffer.pointer)))
        }
    }

    /// An 82599 VF is known by its PCI device ID, bare metal or Hyper-V; X540 and X550 VFs,
    /// which can be promiscuous, are not one.
    func test82599VFDeviceIDs() {
        XCTAssertTrue(Intel82599.isVF(pciDevice: 0x10ed))
        XCTAssertTrue(Intel82599.isVF(pciDevice: 0x152e))
        for other: UInt32? in [0x1515, 0x1565, 0x15a8, 0x10fb, nil] { XCTAssertFalse(Intel82599.isVF(pciDevice: other)) }
    }

    /// Ring sizes outside the device's limits are refused, saying which (as the mock refuses
    /// them), not silently changed: ixgbe's rings take 32..4096 descriptors in multiples of 8,
    /// its TX rings 64 at least with its default thresholds.
    func testDescriptorCountsOutsideTheDeviceLimitsAreRefused() {
        let ixgbe = rte_eth_desc_lim(nb_max: 4096, nb_min: 32, nb_align: 8, nb_seg_max: 40, nb_mtu_seg_max: 40)
        XCTAssertEqual(EthPort.descriptorProblem(8192, limits: ixgbe), "32..4096 descriptors in multiples of 8, got 8192")
        XCTAssertEqual(EthPort.descriptorProblem(16, limits: ixgbe), "32..4096 descriptors in multiples of 8, got 16")
        XCTAssertNil(EthPort.descriptorProblem(4096, limits: ixgbe))
        XCTAssertNil(EthPort.descriptorProblem(32, limits: ixgbe))
        XCTAssertEqual(EthPort.descriptorProblem(32, limits: ixgbe, least: 32 + 32), "64..4096 descriptors in multiples of 8, got 32",
                       "a TX ring needs room for tx_rs_thresh and tx_free_thresh")
        XCTAssertNil(EthPort.descriptorProblem(64, limits: ixgbe, least: 32 + 32))
        var info = rte_eth_dev_info()
        XCTAssertEqual(rte_eth_dev_info_get(Self.ports[0].id, &info), 0)
        XCTAssertNil(EthPort.descriptorProblem(32768, limits: info.rx_desc_lim), "net_ring sets no limits")
    }

    /// The MTUs a device takes are those `rte_eth_dev_configure` accepts, frame size included,
    /// so a port is refused with its range rather than a bare EINVAL from the configure.
    func testMTURangeIsWhatConfigureAccepts() {
        var info = rte_eth_dev_info()
        // ixgbevf (ixgbevf_dev_info_get): 9728-byte frames (MAXFRS, CRC included), max_mtu
        // 9710 (header and CRC off); min_mtu is ethdev's default, 64 - 14 - 4.
        info.min_mtu = 46
        info.max_mtu = 9710
        info.max_rx_pktlen = 9728
        XCTAssertEqual(EthPort.mtuRange(info), 46...9710)
        // net_tap: a frame size only (max_mtu left at UINT16_MAX), so header and CRC come off it.
        info.max_mtu = UInt16.max
        info.max_rx_pktlen = 1522
        XCTAssertEqual(EthPort.mtuRange(info), 46...1504)
        // net_null and net_ring: no limit but the MTU field's.
        info.max_rx_pktlen = UInt32.max
        XCTAssertEqual(EthPort.mtuRange(info), 46...Int(UInt16.max))
    }

    func testPortFacts() {
        let port = Self.ports[0]
        XCTAssertEqual(port.driverName, "net_ring")
        XCTAssertTrue(port.link.up)
        XCTAssertEqual(port.macAddress.count, 17)
        XCTAssertFalse(port.insertsTags, "vlan-offload is off by default")
        XCTAssertEqual(port.reception, .everything, "a virtual device has no MAC filter")
        XCTAssertFalse(port.extendedStats.isEmpty)
    }
}
