#!/usr/bin/env bash
# Fuzzes the VLAN parser and rewriter with libFuzzer and AddressSanitizer.
#   scripts/fuzz.sh [LIBFUZZER-ARGS...]     e.g. -runs=10000000, -max_total_time=600
# SwiftPM links an executable's entry point itself, so the target calls libFuzzer's driver
# (LLVMFuzzerRunDriver from the no-main runtime) instead of letting libFuzzer own `main`.
set -euo pipefail
cd "$(dirname "$0")/.."
runtime=$(dirname "$(command -v swiftc)")/../lib/clang
fuzzer_lib=$(ls "$runtime"/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | head -n 1)
swift build -c release --product vlan-fuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
    -Xswiftc -DFUZZING -Xlinker "$fuzzer_lib" -Xlinker -lstdc++ >/dev/null
mkdir -p .build-fuzz/corpus
exec .build-fuzz/release/vlan-fuzz -max_len=2100 "$@" .build-fuzz/corpus
