// swift-tools-version: 6.1
import PackageDescription

/// DPDK 22.11's headers expect SSE4.2 and its own include directories; SwiftPM keeps only
/// -I/-L/-l from pkg-config, so every target that imports CDPDK passes these itself.
let dpdkCFlags: [SwiftSetting] = [
    .unsafeFlags([
        "-Xcc", "-march=corei7",
        "-Xcc", "-I/usr/include/dpdk",
        "-Xcc", "-I/usr/include/x86_64-linux-gnu/dpdk",
    ]),
]

/// Debian's libdpdk.pc carries a comment line SwiftPM's pkg-config parser rejects, so the
/// libraries are named here; the PMDs themselves are plugins the EAL loads at run time.
let dpdkLibraries: [LinkerSetting] = [
    "rte_eal", "rte_ethdev", "rte_mbuf", "rte_mempool", "rte_ring", "rte_net", "rte_kvargs", "numa", "pci",
].map { .linkedLibrary($0) }

let package = Package(
    name: "vf-driver",
    products: [
        .library(name: "VFDriver", targets: ["VFDriver"]),
        .library(name: "PacketRing", targets: ["PacketRing"]),
        .executable(name: "vf-fwd", targets: ["vf-fwd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CDPDK",
            providers: [.apt(["libdpdk-dev", "libnuma-dev", "libpci-dev"])]
        ),
        .target(
            name: "PacketRing",
            dependencies: [.product(name: "Atomics", package: "swift-atomics")]
        ),
        .target(
            name: "VFDriver",
            dependencies: ["CDPDK", "PacketRing", "Yams", .product(name: "Atomics", package: "swift-atomics")],
            swiftSettings: dpdkCFlags,
            linkerSettings: dpdkLibraries
        ),
        .executableTarget(
            name: "vf-fwd",
            dependencies: ["VFDriver", .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "Atomics", package: "swift-atomics")],
            swiftSettings: dpdkCFlags + [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))],
            // The release binary carries the Swift runtime and Foundation: it runs on a host
            // with DPDK's runtime libraries and no Swift toolchain, and starts in half the
            // time (the loader binds no Swift symbols), so SIGINT/SIGTERM are caught sooner.
            linkerSettings: [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))]
        ),
        // Forwarding benchmark on net_null ports with a prefilled pool: see scripts/bench-fwd.sh.
        .executableTarget(name: "vf-bench", dependencies: ["VFDriver", "PacketRing", "CDPDK", .product(name: "Atomics", package: "swift-atomics")],
                          swiftSettings: dpdkCFlags),
        // Ring benchmark, measured as DPDK's test_ring_perf: see scripts/bench-ring.sh.
        .executableTarget(name: "ring-bench", dependencies: ["PacketRing", "CDPDK", .product(name: "Atomics", package: "swift-atomics")], swiftSettings: dpdkCFlags,
                         linkerSettings: dpdkLibraries),
        // libFuzzer target over the tag parser and rewriter: see scripts/fuzz.sh.
        .executableTarget(name: "vf-fuzz", dependencies: ["VFDriver"], swiftSettings: dpdkCFlags),
        .testTarget(name: "PacketRingTests", dependencies: ["PacketRing"]),
        .testTarget(
            name: "VFDriverTests",
            dependencies: ["VFDriver", "CDPDK", .product(name: "MallocInterposerSwift", package: "malloc-interposer")],
            swiftSettings: dpdkCFlags
        ),
    ],
    swiftLanguageModes: [.v5]
)
