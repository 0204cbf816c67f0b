#!/usr/bin/env bash
# Every test of the project: unit, DPDK virtual-device and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build
