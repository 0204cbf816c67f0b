/// What the mock VF refuses, as ixgbevf's calls fail.
public enum MockError: Error, Equatable, CustomStringConvertible {
    case unsupported(String)
    case busy(String)
    /// The pool cannot give every RX descriptor a buffer (`rte_eth_dev_start`: -ENOMEM), or
    /// cannot be made (`rte_pktmbuf_pool_create`: -ENOMEM).
    case outOfBuffers(String)

    public var description: String {
        switch self {
        case .unsupported(let s), .busy(let s), .outOfBuffers(let s): s
        }
    }

    /// The same error, saying which port it is about ("port a: ...").
    func naming(port: String) -> MockError {
        switch self {
        case .unsupported(let s): .unsupported("port \(port): \(s)")
        case .busy(let s): .busy("port \(port): \(s)")
        case .outOfBuffers(let s): .outOfBuffers("port \(port): \(s)")
        }
    }
}
