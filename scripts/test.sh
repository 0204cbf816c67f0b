#!/usr/bin/env bash
# Every test of the project: unit, DPDK virtual-device and end-to-end tests, the rings and the
# mock VF's cross-thread use under ThreadSanitizer, and short libFuzzer runs over the VLAN
# parser and rewriter, rule sets with traffic, the traffic-file reader and the config loader.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build
TSAN_OPTIONS=halt_on_error=1 swift test --sanitize=thread --scratch-path .build-tsan --filter 'PacketRingTests|MockConcurrencyTests'
scripts/fuzz.sh vlan -runs=200000
scripts/fuzz.sh rules -runs=100000
scripts/fuzz.sh pcap -runs=200000
scripts/fuzz.sh config -runs=100000
