import CDPDK
import Foundation
import XCTest
@testable import VFDriver

/// `vf-fwd list` reads sysfs; a fake tree shaped like the kernel's stands in for an 82599 PF
/// with two VFs, one bound to vfio-pci for DPDK and one left to the kernel's ixgbevf.
final class InventoryTests: XCTestCase {
    var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "sysfs-\(getpid())-\(UUID().uuidString)"
        let fm = FileManager.default
        func write(_ path: String, _ text: String) throws {
            let file = "\(root)/\(path)"
            try fm.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try (text + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        }
        func link(_ path: String, to target: String) throws {
            try fm.createSymbolicLink(atPath: "\(root)/\(path)", withDestinationPath: target)
        }
        // The PF: ixgbe, 63 VFs possible, 2 enabled.
        try write("0000:03:00.0/vendor", "0x8086")
        try write("0000:03:00.0/device", "0x10fb")
        try write("0000:03:00.0/sriov_totalvfs", "63")
        try write("0000:03:00.0/sriov_numvfs", "2")
        try write("0000:03:00.0/numa_node", "0")
        try write("0000:03:00.0/net/enp3s0f0/address", "90:e2:ba:00:00:01")
        try write("0000:03:00.0/net/enp3s0f0/mtu", "1500")
        try link("0000:03:00.0/driver", to: "../../../bus/pci/drivers/ixgbe")
        // VF 0 handed to DPDK: no net device, so no MAC in sysfs.
        try write("0000:03:10.0/vendor", "0x8086")
        try write("0000:03:10.0/device", "0x10ed")
        try write("0000:03:10.0/numa_node", "0")
        try link("0000:03:10.0/driver", to: "../../../bus/pci/drivers/vfio-pci")
        // VF 1 with the kernel driver; its numa_node says -1 as on machines without NUMA.
        try write("0000:03:10.2/vendor", "0x8086")
        try write("0000:03:10.2/device", "0x10ed")
        try write("0000:03:10.2/numa_node", "-1")
        try write("0000:03:10.2/net/enp3s16f2/address", "02:09:c0:aa:bb:cc")
        try link("0000:03:10.2/driver", to: "../../../bus/pci/drivers/ixgbevf")
        // VFs are the PF's virtfnN links, and each links back to its PF.
        try link("0000:03:00.0/virtfn0", to: "../0000:03:10.0")
        try link("0000:03:00.0/virtfn1", to: "../0000:03:10.2")
        try link("0000:03:10.0/physfn", to: "../0000:03:00.0")
        try link("0000:03:10.2/physfn", to: "../0000:03:00.0")
        // A device without SR-IOV is not listed.
        try write("0000:00:02.0/vendor", "0x1af4")
        try write("0000:00:02.0/device", "0x1000")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// An 82599 VF asking for frames over 1518 bytes while its PF's MTU is 1500 would receive
    /// nothing (the PF turns its receive off): vf-fwd refuses to start it, saying what to do.
    func testJumboMTUOnAn82599VFNeedsAJumboPF() {
        XCTAssertEqual(SRIOVInventory.pfMTU(ofVF: "0000:03:10.0", root: root), 1500)
        XCTAssertNil(SRIOVInventory.pfMTU(ofVF: "0000:03:00.0", root: root), "a PF has no PF")
        let problem = EthPort.jumboProblem(mtu: 9000, pciDevice: 0x10ed, pfMTU: 1500)
        XCTAssertTrue(problem?.contains("ip link set PF mtu 9000") == true, problem ?? "none")
        XCTAssertNil(EthPort.jumboProblem(mtu: 1500, pciDevice: 0x10ed, pfMTU: 1500))
        XCTAssertNil(EthPort.jumboProblem(mtu: 9000, pciDevice: 0x10ed, pfMTU: 9000))
        XCTAssertNil(EthPort.jumboProblem(mtu: 9000, pciDevice: 0x1565, pfMTU: 1500), "an X550 VF keeps its own frame size")
        XCTAssertNil(EthPort.jumboProblem(mtu: 9000, pciDevice: 0x10ed, pfMTU: nil), "a DPDK PF: nothing known")
    }

    func testListsPFsAndTheirVFsInIndexOrder() {
        let functions = SRIOVInventory.scan(root: root)
        XCTAssertEqual(functions.map(\.address), ["0000:03:00.0", "0000:03:10.0", "0000:03:10.2"])
        let pf = functions[0], dpdkVF = functions[1], kernelVF = functions[2]
        XCTAssertEqual(pf.vendorDevice, "8086:10fb")
        XCTAssertNil(pf.pf)
        XCTAssertEqual(pf.totalVFs, 63)
        XCTAssertEqual(pf.enabledVFs, 2)
        XCTAssertEqual(pf.driver, "ixgbe")
        XCTAssertEqual(pf.mac, "90:e2:ba:00:00:01")
        XCTAssertEqual(dpdkVF, PCIFunction(address: "0000:03:10.0", vendorDevice: "8086:10ed",
                                           name: dpdkVF.name, pf: "0000:03:00.0", vfIndex: 0, driver: "vfio-pci", numaNode: 0))
        XCTAssertEqual(kernelVF.vfIndex, 1)
        XCTAssertEqual(kernelVF.driver, "ixgbevf")
        XCTAssertNil(kernelVF.numaNode, "-1 means the kernel does not know the node")
        XCTAssertEqual(kernelVF.mac, "02:09:c0:aa:bb:cc")
    }

    /// What the PF's driver says of its VFs (netlink) joins each VF's entry: the MAC it gave a
    /// VF that has no network device of its own, port VLAN, trust, anti-spoofing.
    func testVFSettingsAtThePFJoinTheirEntries() throws {
        let functions = SRIOVInventory.scan(root: root) { interface in
            XCTAssertEqual(interface, "enp3s0f0")
            return [VFAdminSettings(vf: 0, mac: "02:09:00:00:00:07", spoofCheck: false, trust: true),
                    VFAdminSettings(vf: 1, mac: "02:09:00:00:00:08", portVLAN: 42, spoofCheck: true, trust: false)]
        }
        let dpdkVF = functions[1], kernelVF = functions[2]
        XCTAssertEqual(dpdkVF.mac, "02:09:00:00:00:07", "from the PF: the VF has no network device")
        XCTAssertEqual([dpdkVF.trust, dpdkVF.spoofCheck], [true, false])
        XCTAssertNil(dpdkVF.portVLAN)
        XCTAssertEqual(kernelVF.mac, "02:09:c0:aa:bb:cc", "its own network device's")
        XCTAssertEqual(kernelVF.portVLAN, 42)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(kernelVF), as: UTF8.self)
        for key in ["\"port_vlan\":42", "\"trust\":false", "\"spoofchk\":true"] {
            XCTAssertTrue(json.contains(key), "\(key) missing in \(json)")
        }
    }

    /// PF settings that would drop or hold back what vf-fwd forwards are found before the run,
    /// each with the command that changes it; nothing is said of a PF that is fine.
    func testPFSettingsThatHurtForwardingAreWarnedAbout() throws {
        let config = try ForwarderConfig.load(yaml: """
            ports:
              - { name: tenant, device: "0000:03:10.0", mtu: 9000 }
              - { name: uplink, device: "0000:03:10.2" }
            rules: [{ in: { port: tenant, vlan: 1 }, out: { port: uplink, vlan: 1001 }, bidirectional: true }]
            """, file: "t.yaml")
        let warnings = config.pfSettingsWarnings(root: root) { interface in
            XCTAssertEqual(interface, "enp3s0f0")
            return [VFAdminSettings(vf: 0, spoofCheck: true, trust: false),
                    VFAdminSettings(vf: 1, portVLAN: 42, spoofCheck: false, trust: true)]
        }
        let text = warnings.map { "\($0.port): \($0.warning)" }
        XCTAssertEqual(text.count, 4, "\(text)")
        XCTAssertTrue(text[0].hasPrefix("tenant: its PF checks source MACs") && text[0].contains("`ip link set enp3s0f0 vf 0 spoofchk off`"))
        XCTAssertTrue(text[1].hasPrefix("tenant: its PF does not trust it") && text[1].contains("`ip link set enp3s0f0 vf 0 trust on`"))
        XCTAssertTrue(text[2].hasPrefix("tenant: MTU 9000: its PF's MTU is 1500"))
        XCTAssertTrue(text[3].hasPrefix("uplink: its PF set port VLAN 42") && text[3].contains("`ip link set enp3s0f0 vf 1 vlan 0`"))
        XCTAssertTrue(config.pfSettingsWarnings(root: root) { _ in
            [VFAdminSettings(vf: 0, spoofCheck: false, trust: true), VFAdminSettings(vf: 1, spoofCheck: false, trust: true)]
        }.count == 1, "only the MTU is left")
    }

    /// Rings an 82599 VF refuses (`run` would exit 3 on them) are found by `check` from sysfs.
    func testRingsAn82599VFRefusesAreWarnedAbout() throws {
        let config = try ForwarderConfig.load(yaml: """
            ports:
              - { name: tenant, device: "0000:03:10.0", rx-descriptors: 8192 }
              - { name: uplink, device: "0000:03:10.2", tx-descriptors: 32 }
            """, file: "t.yaml")
        let fine = { (_: String) in [VFAdminSettings(vf: 0, spoofCheck: false, trust: true), VFAdminSettings(vf: 1, spoofCheck: false, trust: true)] }
        let text = config.pfSettingsWarnings(root: root, vfSettings: fine).map { "\($0.port): \($0.warning)" }
        XCTAssertEqual(text, ["tenant: an 82599 VF takes 32..4096 RX and 64..4096 TX descriptors per ring, in multiples of 8; got 8192 RX, 1024 TX",
                              "uplink: an 82599 VF takes 32..4096 RX and 64..4096 TX descriptors per ring, in multiples of 8; got 1024 RX, 32 TX"])
        XCTAssertNil(Intel82599.ringProblem(rx: 4096, tx: 64))
        XCTAssertNotNil(Intel82599.ringProblem(rx: 36, tx: 64), "not a multiple of 8")
    }

    /// The 64 VLAN filter entries are the PF's: VIDs of ports on different VFs of it add up.
    func testVLANFilterEntriesAddUpOverAPFsVFs() throws {
        let rules = (1...70).map { vid in "  - { in: { port: \(vid <= 40 ? "tenant" : "uplink"), vlan: \(vid) }, out: { port: tenant, vlan: 4000 } }" }
        let config = try ForwarderConfig.load(yaml: """
            ports:
              - { name: tenant, device: "0000:03:10.0" }
              - { name: uplink, device: "0000:03:10.2" }
            rules:
            \(rules.joined(separator: "\n"))
            """, file: "t.yaml")
        let fine = [VFAdminSettings(vf: 0, spoofCheck: false, trust: true), VFAdminSettings(vf: 1, spoofCheck: false, trust: true)]
        let warnings = config.pfSettingsWarnings(root: root) { _ in fine }
        XCTAssertEqual(warnings.map(\.port), ["tenant"])
        XCTAssertEqual(warnings.first?.warning, "the ports on enp3s0f0's VFs need 70 VLAN filter entries; an 82599 PF has 64 for all its VFs")
    }

    /// DPDK's promiscuous flag on an ixgbe VF says what was asked, not what the PF did: an
    /// 82599 VF never is, an untrusted one of any ixgbe generation got multicast mode.
    func testReceptionOfAnIxgbeVFFollowsWhatItsPFDoes() {
        func reception(_ promiscuous: Bool, _ allMulticast: Bool, ixgbeVF: Bool = true, is82599: Bool = false, trusts: Bool?) -> PortFacts.Reception {
            EthPort.reception(promiscuous: promiscuous, allMulticast: allMulticast, ixgbeVF: ixgbeVF, is82599: is82599, pfTrusts: trusts)
        }
        XCTAssertEqual(reception(true, true, is82599: true, trusts: nil), .ownAndJoinedGroups, "an untrusted 82599 VF")
        XCTAssertEqual(reception(false, true, is82599: true, trusts: true), .ownAndMulticast, "a trusted 82599 VF")
        XCTAssertEqual(reception(true, true, trusts: false), .ownAndJoinedGroups, "an untrusted X550 VF")
        XCTAssertEqual(reception(true, true, trusts: true), .everything, "a trusted X550 VF under a promiscuous PF")
        XCTAssertEqual(reception(true, true, trusts: nil), .everything, "a DPDK PF does what it says")
        XCTAssertEqual(reception(true, false, ixgbeVF: false, trusts: nil), .everything, "not a VF")
        XCTAssertEqual(reception(false, false, ixgbeVF: false, trusts: nil), .ownAndJoinedGroups)
    }

    /// An RTM_NEWLINK reply as a PF's driver fills it (rtnl_fill_vfinfo): per VF, its MAC,
    /// VLAN, anti-spoofing and trust structs among others, nested stats included.
    func testNetlinkReplyParses() {
        func attribute(_ type: Int32, _ payload: [UInt8]) -> [UInt8] {
            let length = 4 + payload.count
            var bytes = withUnsafeBytes(of: UInt16(length)) { Array($0) } + withUnsafeBytes(of: UInt16(type)) { Array($0) } + payload
            while bytes.count % 4 != 0 { bytes.append(0) }
            return bytes
        }
        func words(_ values: [UInt32]) -> [UInt8] { values.flatMap { v in withUnsafeBytes(of: v) { Array($0) } } }
        let vf0 = attribute(Int32(IFLA_VF_INFO),
                            attribute(Int32(IFLA_VF_MAC), words([0]) + [2, 9, 0, 0, 0, 7] + Array(repeating: 0, count: 26))
                            + attribute(Int32(IFLA_VF_VLAN), words([0, 0, 0]))
                            + attribute(Int32(IFLA_VF_STATS), attribute(0, words([5, 0])))
                            + attribute(Int32(IFLA_VF_SPOOFCHK), words([0, 1]))
                            + attribute(Int32(IFLA_VF_TRUST), words([0, 0])))
        let vf1 = attribute(Int32(IFLA_VF_INFO),
                            attribute(Int32(IFLA_VF_MAC), words([1]) + Array(repeating: 0, count: 32))
                            + attribute(Int32(IFLA_VF_VLAN), words([1, 42, 3]))
                            + attribute(Int32(IFLA_VF_SPOOFCHK), words([1, 0]))
                            + attribute(Int32(IFLA_VF_TRUST), words([1, UInt32.max])))
        let body = Array(repeating: UInt8(0), count: MemoryLayout<ifinfomsg>.size)
            + attribute(Int32(IFLA_IFNAME), Array("enp3s0f0\0".utf8))
            + attribute(Int32(IFLA_VFINFO_LIST) | 0x8000, vf1 + vf0)  // NLA_F_NESTED set, as some kernels do
        let header = words([UInt32(16 + body.count)]) + withUnsafeBytes(of: UInt16(RTM_NEWLINK)) { Array($0) } + [0, 0] + words([1, 0])
        let parsed = (header + body).withUnsafeBytes { VFAdminSettings.parse($0) }
        XCTAssertEqual(parsed, [
            VFAdminSettings(vf: 0, mac: "02:09:00:00:00:07", spoofCheck: true, trust: false),
            VFAdminSettings(vf: 1, portVLAN: 42, spoofCheck: false, trust: nil),
        ])
        XCTAssertEqual([UInt8]().withUnsafeBytes { VFAdminSettings.parse($0) }, [])
    }

    /// The kernel answers for an interface without VFs, and for none at all, with nothing.
    func testInterfacesWithoutVFsHaveNoSettings() {
        XCTAssertEqual(VFAdminSettings.read(interface: "lo"), [])
        XCTAssertEqual(VFAdminSettings.read(interface: "no-such-if0"), [])
    }

    func testNamesComeFromThePCIDatabase() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: "/usr/share/misc/pci.ids"), "no PCI ID database (package pci.ids)")
        let vf = SRIOVInventory.scan(root: root)[1]
        XCTAssertEqual(vf.name, "Intel Corporation 82599 Ethernet Controller Virtual Function")
    }

    func testJSONKeysAreSnakeCase() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(SRIOVInventory.scan(root: root)[1]), as: UTF8.self)
        for key in ["\"address\"", "\"vendor_device\":\"8086:10ed\"", "\"pf\":\"0000:03:00.0\"", "\"vf_index\":0",
                    "\"driver\":\"vfio-pci\"", "\"numa_node\":0"] {
            XCTAssertTrue(json.contains(key), "\(key) missing in \(json)")
        }
    }

    func testNoSRIOVDevicesGivesAnEmptyList() {
        XCTAssertEqual(SRIOVInventory.scan(root: root + "/nothing-here"), [])
    }
}
