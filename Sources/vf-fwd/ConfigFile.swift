import Foundation
import VFDriver

/// Reads and validates `--config`; every failure is exit code 2 naming the file and line.
func loadConfig(_ path: String) throws(Failure) -> ForwarderConfig {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw .config("\(path):1: cannot read the config file (\(unreadableFileReason(path)))")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw .config("\(path):1: the config file is not UTF-8")
    }
    do {
        return try ForwarderConfig.load(yaml: text, file: path)
    } catch {
        throw .config(error.description)
    }
}
