#!/usr/bin/env bash
# Fuzzes with libFuzzer and AddressSanitizer, one target per run:
#   vlan: the VLAN parser and rewriter, through the engine and a forwarding lane
#   pcap: the traffic-file reader (pcap and pcapng) of mock devices
#   config: the config loader (YAML, then spec section 2)
#   scripts/fuzz.sh [vlan|pcap|config] [LIBFUZZER-ARGS...]   e.g. -runs=10000000, -max_total_time=600
# SwiftPM links an executable's entry point itself, so the target calls libFuzzer's driver
# (LLVMFuzzerRunDriver from the no-main runtime) instead of letting libFuzzer own `main`.
set -euo pipefail
cd "$(dirname "$0")/.."
target=vlan
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then target=$1; shift; fi
runtime=$(dirname "$(command -v swiftc)")/../lib/clang
fuzzer_lib=$(ls "$runtime"/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | head -n 1)
swift build -c release --product vf-fuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
    -Xswiftc -DFUZZING -Xlinker "$fuzzer_lib" -Xlinker -lstdc++ >/dev/null
# Swift's crash backtracer stalls under AddressSanitizer; libFuzzer reports crashes itself.
export SWIFT_BACKTRACE=enable=no
corpus=.build-fuzz/corpus-$target
mkdir -p "$corpus"
case "$target" in
    vlan) max_len=2100 ;;
    # Seeded with the example traffic files, so mutations start from whole records.
    pcap) max_len=4096; cp -n examples/*.pcap "$corpus"/ ;;
    # Seeded with the shipped configs; the dictionary holds YAML's and section 2's tokens.
    config) max_len=4096; cp -n examples/*.yaml benchmarks/*.yaml "$corpus"/; set -- -dict=scripts/fuzz-config.dict "$@" ;;
    *) echo "usage: $0 [vlan|pcap|config] [LIBFUZZER-ARGS...]" >&2; exit 2 ;;
esac
exec .build-fuzz/release/vf-fuzz "$target" -max_len="$max_len" "$@" "$corpus"
