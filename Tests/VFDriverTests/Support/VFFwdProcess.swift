import Foundation

/// Runs the vf-fwd binary built next to this test bundle and captures what it printed.
struct VFFwdProcess {
    struct Result {
        var processID: Int32
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The build products directory: the test bundle is an executable there on Linux.
    static var productsDirectory: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = productsDirectory.appendingPathComponent("vf-fwd")
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(processID: process.processIdentifier, status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// The directory all of this test process's files go under; removed when the process exits, so
/// test runs leave nothing behind in /tmp.
private let testFilesRoot: String = {
    atexit { try? FileManager.default.removeItem(atPath: NSTemporaryDirectory() + "vfdriver-tests-\(getpid())") }
    return NSTemporaryDirectory() + "vfdriver-tests-\(getpid())/"
}()

/// A fresh directory for one test's files.
func temporaryDirectory(_ name: String = #function) throws -> String {
    let path = testFilesRoot + name.filter { $0.isLetter || $0.isNumber }
    try? FileManager.default.removeItem(atPath: path)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Parses a `--stats-json` file into nested dictionaries.
struct StatsJSON {
    let root: [String: Any]

    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        root = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    func port(_ name: String) -> [String: Any] { (root["ports"] as! [String: Any])[name] as! [String: Any] }
    func value(_ port: String, _ key: String) -> Int { (self.port(port)[key] as! NSNumber).intValue }
    func drop(_ port: String, _ reason: String) -> Int { ((self.port(port)["drops"] as! [String: Any])[reason] as! NSNumber).intValue }
    func total(_ key: String) -> Int { ((root["total"] as! [String: Any])[key] as! NSNumber).intValue }
}
