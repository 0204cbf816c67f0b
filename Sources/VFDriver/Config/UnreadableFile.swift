import Foundation

/// Why `path` could not be read, for an error message: the system's reason (no such file, no
/// permission), or that it is not a readable file (a directory, say). Call it right after the
/// failed read: it reads `errno`.
public func unreadableFileReason(_ path: String) -> String {
    access(path, R_OK) == 0 ? "not a readable file" : String(cString: strerror(errno))
}
