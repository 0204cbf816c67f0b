#!/usr/bin/env bash
# Every test of the project: the release vf-fwd as deployed; unit, DPDK virtual-device and
# end-to-end tests; the rings and the mock VF's cross-thread use under ThreadSanitizer; and
# short libFuzzer runs over the VLAN parser and rewriter, rule sets with traffic, the
# traffic-file reader and the config loader.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
# vf-fwd as operators deploy it (README, "Running on a real 82599 VF"): the release build,
# carrying the Swift runtime itself, forwards.
swift build -c release --product vf-fwd
if ldd .build/release/vf-fwd | grep -E 'libswift|libFoundation|libdispatch'; then
    echo "test.sh: the release vf-fwd needs the Swift libraries above at run time" >&2
    exit 1
fi
.build/release/vf-fwd run --config benchmarks/mock-translate.yaml --duration 0.5 --quiet
swift test --skip-build
TSAN_OPTIONS=halt_on_error=1 swift test --sanitize=thread --scratch-path .build-tsan --filter 'PacketRingTests|MockConcurrencyTests'
scripts/fuzz.sh vlan -runs=200000
scripts/fuzz.sh rules -runs=100000
scripts/fuzz.sh pcap -runs=200000
scripts/fuzz.sh config -runs=100000
