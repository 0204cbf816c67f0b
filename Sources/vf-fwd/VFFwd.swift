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
                writeStandardError(helpMessage() + "\n")
                Foundation.exit(2)
            }
            try command.run()
        } catch let failure as Failure {
            writeStandardError("vf-fwd: " + failure.message + "\n")
            Foundation.exit(failure.code)
        } catch {
            // ArgumentParser's own errors: help and version succeed, the rest are usage errors.
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            writeStandardError(fullMessage(for: error) + "\n")
            Foundation.exit(2)
        }
    }
}

/// A likely mistake that does not stop vf-fwd, on stderr.
func warn(_ message: String) {
    writeStandardError("vf-fwd: warning: \(message)\n")
}

/// Writes to stderr and lets a failure pass: a reader that went away (SIGPIPE is ignored in a
/// run) must not end it, and FileHandle's `write` traps on EPIPE.
func writeStandardError(_ text: String) {
    fputs(text, stderr)
}

/// An error that ends vf-fwd with a given exit code and message.
struct Failure: Error {
    var code: Int32
    var message: String

    static func config(_ message: String) -> Failure { Failure(code: 2, message: message) }
    static func initialisation(_ message: String) -> Failure { Failure(code: 3, message: message) }
    static func runtime(_ message: String) -> Failure { Failure(code: 1, message: message) }
}
