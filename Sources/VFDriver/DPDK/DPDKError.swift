import CDPDK

/// A failed DPDK call, with what the operator should do about it (vf-fwd exit code 3).
public struct DPDKError: Error, CustomStringConvertible {
    public var operation: String
    /// The positive errno (`rte_errno` or the negated return value).
    public var code: Int32
    public var advice: String?

    public init(_ operation: String, code: Int32, advice: String? = nil) {
        self.operation = operation
        self.code = code < 0 ? -code : code
        self.advice = advice
    }

    /// From a call that reports failure through `rte_errno`.
    static func fromErrno(_ operation: String, advice: String? = nil) -> DPDKError {
        DPDKError(operation, code: vf_errno(), advice: advice)
    }

    public var description: String {
        // Some failures set no errno (rte_eal_init's "Cannot init config"): no "Success" then.
        let reason = code == 0 ? "" : ": " + String(cString: rte_strerror(code))
        return "\(operation) failed\(reason)" + (advice.map { "; \($0)" } ?? "")
    }
}

/// Turns a negative-errno DPDK return value into a thrown `DPDKError`.
@discardableResult
func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws(DPDKError) -> Int32 {
    if rc < 0 { throw DPDKError(operation(), code: rc) }
    return rc
}
