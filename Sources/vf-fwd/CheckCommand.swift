import ArgumentParser
import VFDriver

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a config without touching devices.")

    @Option(name: .long, help: "The YAML config file.")
    var config: String

    func run() throws {
        let parsed = try loadConfig(config)
        print("\(config): ok, \(parsed.ports.count) ports, \(parsed.rules.count) rules (mirrors included), burst \(parsed.burst)")
        // Not config errors (the files may be made before the run, the PF changed), but likely
        // mistakes: missing traffic files, and PF settings that drop what vf-fwd forwards.
        let problems = parsed.ports.flatMap { port in port.device.argumentProblems.map { (port.name, $0) } }
            + parsed.pfSettingsWarnings()
        for (port, problem) in problems { warn("port \(port): \(problem)") }
    }
}
