import ArgumentParser
import Foundation

/// vf-fwd: forwards frames between SR-IOV VFs (or any DPDK port, or the mock) by VLAN rules.
/// Exit codes (spec section 1): 0 success, 2 bad command line or config, 3 EAL or device
/// initialisation failed, 1 any other failure.
@main
struct VFFwd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vf-fwd",
        abstract: "Poll-mode VLAN forwarding between SR-IOV virtual functions.",
        subcommands: [RunCommand.self, CheckCommand.self, ListCommand.self]
    )

    static func main() {
        if CommandLine.arguments.dropFirst().first == "run" { RunCommand.catchStopSignals() }
        do {
            var command = try parseAsRoot()
            // No subcommand is a bad command line: usage on stderr, exit 2 (`--help` exits 0).
            if command is VFFwd {
                FileHandle.standardError.write(Data((helpMessage() + "\n").utf8))
                Foundation.exit(2)
            }
            try command.run()
        } catch let failure as Failure {
            FileHandle.standardError.write(Data(("vf-fwd: " + failure.message + "\n").utf8))
            Foundation.exit(failure.code)
        } catch {
            // ArgumentParser's own errors: help and version succeed, the rest are usage errors.
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}

/// A likely mistake that does not stop vf-fwd, on stderr.
func warn(_ message: String) {
    FileHandle.standardError.write(Data("vf-fwd: warning: \(message)\n".utf8))
}

/// An error that ends vf-fwd with a given exit code and message.
struct Failure: Error {
    var code: Int32
    var message: String

    static func config(_ message: String) -> Failure { Failure(code: 2, message: message) }
    static func initialisation(_ message: String) -> Failure { Failure(code: 3, message: message) }
    static func runtime(_ message: String) -> Failure { Failure(code: 1, message: message) }
}
