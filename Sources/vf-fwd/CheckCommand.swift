import ArgumentParser
import VFDriver

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a config without touching devices.")

    @Option(name: .long, help: "The YAML config file.")
    var config: String

    func run() throws {
        let parsed = try loadConfig(config)
        print("\(config): ok, \(parsed.ports.count) ports, \(parsed.rules.count) rules (mirrors included), burst \(parsed.burst)")
    }
}
