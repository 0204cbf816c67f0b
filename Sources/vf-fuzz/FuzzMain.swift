import Foundation

/// The fuzz target, named by the first argument: `vlan` (VLANFuzz), `rules` (RulesFuzz),
/// `pcap` (PcapFuzz) or `config` (ConfigFuzz). The other arguments are libFuzzer's when built with
/// `-sanitize-coverage=... -DFUZZING`; otherwise they are input files to replay (a corpus, a crash).
enum FuzzTarget: String {
    case vlan, rules, pcap, config

    func testOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) {
        switch self {
        case .vlan: VLANFuzz.testOneInput(data, size)
        case .rules: RulesFuzz.testOneInput(data, size)
        case .pcap: PcapFuzz.testOneInput(data, size)
        case .config: ConfigFuzz.testOneInput(data, size)
        }
    }

    /// Set once, before libFuzzer calls back: its callback is a C function and captures nothing.
    nonisolated(unsafe) static var selected = FuzzTarget.vlan

    /// The target `name` names; exits with usage for any other name.
    static func named(_ name: String?) -> FuzzTarget {
        guard let target = name.flatMap(FuzzTarget.init(rawValue:)) else {
            FileHandle.standardError.write(Data("usage: vf-fuzz vlan|rules|pcap|config [LIBFUZZER-ARGS | FILES]\n".utf8))
            exit(2)
        }
        return target
    }
}

/// A property every input must keep. Unlike `precondition`, it prints its message in the
/// optimised builds fuzzing uses, so that a finding says which property broke.
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// SwiftPM links an executable target's entry point under this name; hand control to libFuzzer,
/// with the arguments after the target's name.
@_cdecl("vf_fuzz_main")
func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    FuzzTarget.selected = FuzzTarget.named(argc > 1 ? argv[1].map { String(cString: $0) } : nil)
    argv[1] = argv[0]
    var count = argc - 1
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv + 1
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        if let data { FuzzTarget.selected.testOneInput(data, size) }
        return 0
    }
}
#else
/// Replays inputs (files, e.g. a corpus or a crash) without libFuzzer.
@main
enum ReplayMain {
    static func main() {
        let target = FuzzTarget.named(CommandLine.arguments.dropFirst().first)
        for path in CommandLine.arguments.dropFirst(2) {
            let data = [UInt8](FileManager.default.contents(atPath: path) ?? Data())
            data.withUnsafeBufferPointer { target.testOneInput($0.baseAddress ?? UnsafePointer(bitPattern: 1)!, $0.count) }
        }
    }
}
#endif
