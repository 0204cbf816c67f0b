import ArgumentParser
import Foundation
import VFDriver

/// `vf-fwd list`: SR-IOV physical functions and their virtual functions, read from sysfs.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Show SR-IOV capable NICs and their VFs.")

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let functions = SRIOVInventory.scan()
        if json {
            // JSONEncoder pretty-prints an empty array across three lines.
            if functions.isEmpty { print("[]"); return }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(functions), as: UTF8.self))
            return
        }
        if functions.isEmpty {
            print("no SR-IOV capable NIC found (no \(SRIOVInventory.sysfsDevices)/*/sriov_totalvfs)")
            return
        }
        print("address       vendor:device  pf            vf  driver      numa  mac                vlan trust spoofchk name")
        func onOff(_ flag: Bool?) -> String { flag.map { $0 ? "on" : "off" } ?? "-" }
        for f in functions {
            let vf = f.vfIndex.map(String.init) ?? (f.enabledVFs.map { "\($0)/\(f.totalVFs ?? 0)" } ?? "-")
            let columns = [f.address.padding(13), f.vendorDevice.padding(14), (f.pf ?? "-").padding(13), vf.padding(3),
                           (f.driver ?? "-").padding(11), (f.numaNode.map(String.init) ?? "-").padding(5),
                           (f.mac ?? "-").padding(18), (f.portVLAN.map(String.init) ?? "-").padding(4),
                           onOff(f.trust).padding(5), onOff(f.spoofCheck).padding(8), f.name ?? "-"]
            print(columns.joined(separator: " "))
        }
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
