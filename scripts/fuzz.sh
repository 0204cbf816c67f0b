#!/usr/bin/env bash
# Fuzzes with libFuzzer and AddressSanitizer, one target per run:
#   vlan: the VLAN parser and rewriter, through the engine and a forwarding lane
#   rules: rule sets and bursts of traffic together, through a lane, against spec sections 4-5
#   pcap: the traffic-file reader (pcap and pcapng) of mock devices
#   config: the config loader (YAML, then spec section 2)
#   scripts/fuzz.sh [vlan|rules|pcap|config] [LIBFUZZER-ARGS...]   e.g. -runs=10000000, -max_total_time=600
# SwiftPM links an executable's entry point itself, so the target calls libFuzzer's driver
# (LLVMFuzzerRunDriver from the no-main runtime) instead of letting libFuzzer own `main`.
set -euo pipefail
cd "$(dirname "$0")/.."
target=vlan
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then target=$1; shift; fi
runtime=$(dirname "$(command -v swiftc)")/../lib/clang
fuzzer_lib=$(ls "$runtime"/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a | head -n 1)
# Quiet when it builds; the compiler's messages when it does not.
if ! build_log=$(swift build -c release --product vf-fuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp \
    -Xswiftc -DFUZZING -Xlinker "$fuzzer_lib" -Xlinker -lstdc++ 2>&1); then
    echo "$build_log" >&2
    exit 1
fi
# Swift's crash backtracer stalls under AddressSanitizer; libFuzzer reports crashes itself.
export SWIFT_BACKTRACE=enable=no
corpus=.build-fuzz/corpus-$target
mkdir -p "$corpus"

# vlan inputs: a flags byte (bit 0: the NIC stripped the TCI in bytes 1-2, bit 1: a plan with TX
# insert, bit 2: received on port b), then a frame. Seeds: MACs, a stack of VLANFuzz's rules
# with PCP 5 outer and 3 inner (so a PCP carried from the wrong tag shows), IPv4 and 46 bytes;
# each plain, on the TX-insert plan, and with the outer tag stripped.
vlan_seeds() {
    local macs='\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01' rest='\x08\x00' i=0 stack
    for _ in $(seq 46); do rest+='\x2a'; done
    for stack in '' '\xa0\x00' '\xa0\x14' '\xa0\x1e' '\xa0\x28' '\xa0\x5a' '\xa0\x63' \
        '\xa0\x32\x81\x00\x60\x33' '\xa0\x3c\x81\x00\x60\x3d' '\xa0\x46\x81\x00\x60\x47' \
        '\xa0\x5b\x81\x00\x60\x5c' '\xa0\x46\x81\x00\x60\x47\x81\x00\x20\x01'; do
        i=$((i + 1))
        local tagged=$macs
        # One tag: 802.1Q, as the NIC strips and the translate table reads; more: 802.1ad outside.
        if [ ${#stack} -eq 8 ]; then tagged+='\x81\x00'$stack; elif [ -n "$stack" ]; then tagged+='\x88\xa8'$stack; fi
        printf '\x00\x00\x00'"$tagged$rest" > "$corpus/seed-$i"
        printf '\x02\x00\x00'"$tagged$rest" > "$corpus/seed-$i-insert"
        [ -n "$stack" ] && printf '\x01'"${stack:0:8}$macs${stack:8}$rest" > "$corpus/seed-$i-stripped"
    done
}

case "$target" in
    vlan) max_len=2100; vlan_seeds ;;
    rules) max_len=1024 ;;
    # Seeded with the example traffic files, so mutations start from whole records.
    pcap) max_len=4096; cp -n examples/*.pcap "$corpus"/ ;;
    # Seeded with the shipped configs; the dictionary holds YAML's and section 2's tokens.
    config) max_len=4096; cp -n examples/*.yaml benchmarks/*.yaml "$corpus"/; set -- -dict=scripts/fuzz-config.dict "$@" ;;
    *) echo "usage: $0 [vlan|rules|pcap|config] [LIBFUZZER-ARGS...]" >&2; exit 2 ;;
esac
exec .build-fuzz/release/vf-fuzz "$target" -max_len="$max_len" "$@" "$corpus"
