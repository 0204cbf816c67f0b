import ArgumentParser
import Foundation

/// `vf-fwd list`: SR-IOV physical functions and their virtual functions, read from sysfs.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Show SR-IOV capable NICs and their VFs.")

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let functions = SRIOVInventory.scan()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(functions), as: UTF8.self))
            return
        }
        if functions.isEmpty {
            print("no SR-IOV capable NIC found (no /sys/bus/pci/devices/*/sriov_totalvfs)")
            return
        }
        print("address       vendor:device  pf            vf  driver      numa  mac")
        for f in functions {
            let pf = f.pf ?? "-"
            let vf = f.vfIndex.map(String.init) ?? "-"
            print([f.address.padding(13), f.vendorDevice.padding(14), pf.padding(13), vf.padding(3),
                   (f.driver ?? "-").padding(11), (f.numaNode.map(String.init) ?? "-").padding(5), f.mac ?? "-"].joined(separator: " "))
        }
    }
}

struct PCIFunction: Codable {
    var address: String
    var vendorDevice: String
    /// The PF of a VF; nil for a PF.
    var pf: String?
    var vfIndex: Int?
    var driver: String?
    var numaNode: Int?
    var mac: String?
    var totalVFs: Int?
}

enum SRIOVInventory {
    static let root = "/sys/bus/pci/devices"

    static func scan() -> [PCIFunction] {
        let fm = FileManager.default
        let devices = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).sorted()
        var result: [PCIFunction] = []
        for pf in devices {
            guard let total = read("\(root)/\(pf)/sriov_totalvfs").flatMap({ Int($0) }) else { continue }
            var entry = describe(pf)
            entry.totalVFs = total
            result.append(entry)
            let links = ((try? fm.contentsOfDirectory(atPath: "\(root)/\(pf)")) ?? []).filter { $0.hasPrefix("virtfn") }
            for link in links.sorted(by: { Int($0.dropFirst(6)) ?? 0 < Int($1.dropFirst(6)) ?? 0 }) {
                guard let target = try? fm.destinationOfSymbolicLink(atPath: "\(root)/\(pf)/\(link)") else { continue }
                var vf = describe((target as NSString).lastPathComponent)
                vf.pf = pf
                vf.vfIndex = Int(link.dropFirst(6))
                result.append(vf)
            }
        }
        return result
    }

    static func describe(_ address: String) -> PCIFunction {
        let dir = "\(root)/\(address)"
        let vendor = (read("\(dir)/vendor") ?? "?").replacingOccurrences(of: "0x", with: "")
        let device = (read("\(dir)/device") ?? "?").replacingOccurrences(of: "0x", with: "")
        let driver = (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(dir)/driver")).map { ($0 as NSString).lastPathComponent }
        let numa = read("\(dir)/numa_node").flatMap { Int($0) }
        let netDir = "\(dir)/net"
        let mac = ((try? FileManager.default.contentsOfDirectory(atPath: netDir))?.first).flatMap { read("\(netDir)/\($0)/address") }
        return PCIFunction(address: address, vendorDevice: "\(vendor):\(device)", driver: driver, numaNode: numa, mac: mac)
    }

    static func read(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
