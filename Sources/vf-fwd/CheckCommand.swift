import ArgumentParser
import VFDriver

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Validate a config without touching devices.")

    @Option(name: .long, help: "The YAML config file.")
    var config: String

    func run() throws {
        let parsed = try loadConfig(config)
        let counted = { (n: Int, noun: String) in "\(n) \(noun)\(n == 1 ? "" : "s")" }
        print("\(config): ok, \(counted(parsed.ports.count, "port")), \(counted(parsed.rules.count, "rule")) (mirrors included), burst \(parsed.burst)")
        // Not config errors (the files may be made before the run, the PF changed), but likely
        // mistakes: missing traffic files, PF settings that drop what vf-fwd forwards, and what
        // the VFs (real or mock) will refuse.
        let problems = parsed.ports.flatMap { port in port.device.argumentProblems.map { (port.name, $0) } }
            + parsed.portsInNoRule.map { ($0, ForwarderConfig.inNoRuleWarning) }
            + parsed.pfSettingsWarnings() + parsed.mockRefusals
        for (port, problem) in problems { warn("port \(port): \(problem)") }
        if parsed.isMockOnly, let problem = parsed.mockPoolProblem { warn(problem) }
        if let eal = parsed.eal, let problem = parsed.ealConflict(inEAL: eal) { warn(problem) }
    }
}
