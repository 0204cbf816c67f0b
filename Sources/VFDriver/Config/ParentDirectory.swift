/// The directory part of `path`, as `dirname` without its "." for a bare name: "" for
/// "out.pcap", "/" for "/out.pcap", "out" for "out/a.pcap" and "out//a.pcap". Not Foundation's
/// `deletingLastPathComponent`, which crashes on a one-character name (swift-corelibs-foundation
/// of Swift 6.3).
public func parentDirectory(of path: String) -> String {
    guard var end = path.lastIndex(of: "/") else { return "" }
    while end > path.startIndex, path[path.index(before: end)] == "/" { end = path.index(before: end) }
    return end == path.startIndex ? "/" : String(path[..<end])
}
