import ArgumentParser
import Foundation
import VFDriver

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a config without touching devices.")

    @Option(name: .long, help: "The YAML config file.")
    var config: String

    func run() throws {
        let parsed = try loadConfig(config)
        print("\(config): ok, \(parsed.ports.count) ports, \(parsed.rules.count) rules (mirrors included), burst \(parsed.burst)")
        // Not config errors (the files may be made before the run), but likely mistakes.
        for port in parsed.ports {
            for problem in port.device.argumentProblems {
                FileHandle.standardError.write(Data("vf-fwd: warning: port \(port.name): \(problem)\n".utf8))
            }
        }
    }
}
