import CDPDK
import Foundation
import VFDriver
import XCTest

/// One EAL for the whole test run (it initialises once per process; ports are global), with two
/// `net_ring` vdevs whose TX loops back into their own RX. DPDK tests run serialized on it.
enum TestEAL {
    static let pool: PacketPool = {
        do {
            try EAL.initialize(arguments: ["-l", "0", "--no-huge", "-m", "256", "--no-pci", "--log-level=3",
                                           "--file-prefix=vfdriver-tests-\(getpid())", "--vdev", "net_ring0", "--vdev", "net_ring1"])
            // The EAL leaves its runtime directory (/var/run/dpdk/PREFIX, tmpfs) behind.
            atexit { try? FileManager.default.removeItem(atPath: String(cString: rte_eal_get_runtime_dir())) }
            return try PacketPool(name: "tests", count: 4096, cacheSize: 0, socket: 0)
        } catch {
            fatalError("EAL for tests: \(error)")
        }
    }()

    static let ringPorts: [EthPort] = {
        let pool = TestEAL.pool  // initialises the EAL, which creates the vdevs
        var c = PortConfiguration()
        c.rxDescriptors = 512
        c.txDescriptors = 512
        do {
            let ports = try ["net_ring0", "net_ring1"].map { name in
                try EthPort(id: EthPort.find(DeviceString(name)!), configuration: c, pool: pool)
            }
            try ports.forEach { try $0.start() }
            return ports
        } catch {
            fatalError("net_ring ports: \(error)")
        }
    }()
}

extension XCTestCase {
    /// Plugs `names` in as vdevs of the test run's EAL for this test, and out again after it.
    func plugVirtualDevices(_ names: [String]) throws {
        _ = TestEAL.pool
        for name in names {
            XCTAssertEqual(rte_eal_hotplug_add("vdev", name, ""), 0, "plugging in \(name)")
            addTeardownBlock { _ = rte_eal_hotplug_remove("vdev", name) }
        }
    }
}
