import CDPDK
import Foundation

/// One PCI function of an SR-IOV NIC, as `vf-fwd list` shows it.
public struct PCIFunction: Codable, Equatable, Sendable {
    public var address: String
    /// "8086:10ed", lowercase hex, as `lspci -n` prints it.
    public var vendorDevice: String
    /// From the PCI ID database (libpci), e.g. "Intel Corporation 82599 Ethernet Controller
    /// Virtual Function"; nil when the database does not know the device.
    public var name: String?
    /// The PF of a VF; nil for a PF.
    public var pf: String?
    public var vfIndex: Int?
    /// The bound kernel driver (`ixgbe`, `ixgbevf`, `vfio-pci`), nil when none.
    public var driver: String?
    /// nil when the kernel does not know it (it reports -1 on machines without NUMA).
    public var numaNode: Int?
    /// Its network device's while a kernel driver owns the function; else, for a VF, the MAC
    /// its PF gave it (none: ixgbevf picks a random one when it starts).
    public var mac: String?
    /// A VF's settings at its PF (`ip link set PF vf N vlan|trust|spoofchk`), where the PF's
    /// kernel driver reports them.
    public var portVLAN: Int?
    public var trust: Bool?
    public var spoofCheck: Bool?
    /// For a PF: how many VFs it can have (`sriov_totalvfs`) and has (`sriov_numvfs`).
    public var totalVFs: Int?
    public var enabledVFs: Int?

    enum CodingKeys: String, CodingKey {
        case address, name, pf, driver, mac
        case vendorDevice = "vendor_device", vfIndex = "vf_index", numaNode = "numa_node"
        case totalVFs = "total_vfs", enabledVFs = "enabled_vfs"
        case portVLAN = "port_vlan", trust, spoofCheck = "spoofchk"
    }
}

/// SR-IOV physical functions and their virtual functions, read from sysfs: a PF is a device
/// with `sriov_totalvfs`, its VFs are its `virtfnN` links (Linux `Documentation/PCI/pci-iov-howto`).
public enum SRIOVInventory {
    public static let sysfsDevices = "/sys/bus/pci/devices"

    /// Every PF, each followed by its VFs in index order. `root` is a sysfs devices directory
    /// and `vfSettings` what a PF's network interface says of its VFs; tests pass fakes.
    public static func scan(root: String = sysfsDevices,
                            vfSettings: (String) -> [VFAdminSettings] = VFAdminSettings.read(interface:)) -> [PCIFunction] {
        let names = PCIDeviceNames()
        var result: [PCIFunction] = []
        for pf in entries(of: root).sorted() {
            guard let total = read(root, pf, "sriov_totalvfs").flatMap({ Int($0) }) else { continue }
            var entry = describe(pf, root: root, names: names)
            entry.totalVFs = total
            entry.enabledVFs = read(root, pf, "sriov_numvfs").flatMap { Int($0) }
            result.append(entry)
            let settings = networkInterface(of: pf, root: root).map(vfSettings) ?? []
            let links = entries(of: "\(root)/\(pf)").compactMap { link in
                link.hasPrefix("virtfn") ? Int(link.dropFirst("virtfn".count)).map { (index: $0, link: link) } : nil
            }
            for (index, link) in links.sorted(by: { $0.index < $1.index }) {
                guard let target = linkTarget("\(root)/\(pf)/\(link)") else { continue }
                var vf = describe(target, root: root, names: names)
                vf.pf = pf
                vf.vfIndex = index
                if let atPF = settings.first(where: { $0.vf == index }) {
                    vf.mac = vf.mac ?? atPF.mac
                    vf.portVLAN = atPF.portVLAN
                    vf.trust = atPF.trust
                    vf.spoofCheck = atPF.spoofCheck
                }
                result.append(vf)
            }
        }
        return result
    }

    /// The MTU of a VF's PF while a kernel driver owns the PF (its `physfn` link, then its
    /// network device); nil otherwise.
    public static func pfMTU(ofVF address: String, root: String = sysfsDevices) -> Int? {
        guard let pf = linkTarget("\(root)/\(address)/physfn"), let netDevice = networkInterface(of: pf, root: root) else { return nil }
        return read(root, pf, "net/\(netDevice)/mtu").flatMap { Int($0) }
    }

    static func describe(_ address: String, root: String, names: PCIDeviceNames) -> PCIFunction {
        let vendor = read(root, address, "vendor").flatMap(hexID)
        let device = deviceID(of: address, root: root)
        let netDevice = networkInterface(of: address, root: root)
        return PCIFunction(
            address: address,
            vendorDevice: [vendor, device].map { $0.map { String(format: "%04x", $0) } ?? "?" }.joined(separator: ":"),
            name: vendor.flatMap { v in device.flatMap { names.name(vendor: v, device: $0) } },
            driver: linkTarget("\(root)/\(address)/driver"),
            numaNode: read(root, address, "numa_node").flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil },
            mac: netDevice.flatMap { read(root, address, "net/\($0)/address") })
    }

    /// The PCI device ID of a function (`0x10ed`: an 82599 VF); nil when sysfs has none.
    static func deviceID(of address: String, root: String = sysfsDevices) -> UInt32? {
        read(root, address, "device").flatMap(hexID)
    }

    /// The network interface of a function a kernel network driver owns; nil otherwise.
    static func networkInterface(of address: String, root: String) -> String? {
        entries(of: "\(root)/\(address)/net").sorted().first
    }

    static func hexID(_ text: String) -> UInt32? {
        UInt32(text.hasPrefix("0x") ? String(text.dropFirst(2)) : text, radix: 16)
    }

    static func entries(of directory: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    }

    /// The last path component a symbolic link points to: sysfs links a VF by its address and a
    /// device to its driver's directory.
    static func linkTarget(_ path: String) -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)).map { ($0 as NSString).lastPathComponent }
    }

    static func read(_ root: String, _ address: String, _ file: String) -> String? {
        (try? String(contentsOfFile: "\(root)/\(address)/\(file)", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Device names from the PCI ID database through libpci, as `lspci` shows them.
final class PCIDeviceNames {
    private let access: UnsafeMutablePointer<pci_access>?

    init() { access = pci_alloc() }
    deinit { if let access { pci_cleanup(access) } }

    func name(vendor: UInt32, device: UInt32) -> String? {
        guard let access else { return nil }
        var buffer = [CChar](repeating: 0, count: 256)
        return buffer.withUnsafeMutableBufferPointer { bytes in
            vf_pci_device_name(access, bytes.baseAddress, Int32(bytes.count), vendor, device).map { String(cString: $0) }
        }
    }
}
