#!/usr/bin/env bash
# PacketRing against DPDK's rte_ring, measured the same way (two cores, ring size 4096, TSC
# cycles per element, enqueue + dequeue): alternates ring-bench and
# `dpdk-test ring_perf_autotest` ("Testing using two physical cores", legacy API), then prints
# both medians and the ratio (below 1.0: PacketRing is faster).
#   scripts/bench-ring.sh [ROUNDS]
set -Eeuo pipefail
# A failing program ends the script: say where, rather than end without a word.
trap 'echo "$0: line $LINENO failed (exit $?): $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
rounds=${1:-5}
swift build -c release --product ring-bench >/dev/null
work=$(mktemp -d)
# The EAL leaves a runtime directory per file prefix in /var/run/dpdk (tmpfs): remove ours.
trap 'rm -rf "$work" "/var/run/dpdk/bench-ring-$$"' EXIT
for r in $(seq "$rounds"); do
    .build/release/ring-bench -- -l 0-1 --no-huge -m 64 --no-pci --file-prefix "bench-ring-$$" >> "$work/ours"
    DPDK_TEST=ring_perf_autotest dpdk-test -l 0-1 --no-huge -m 512 --no-pci --log-level=3 \
        --file-prefix "bench-ring-$$" 2>/dev/null | sed -n '/two physical cores/,/^$/p' >> "$work/theirs"
    echo "round $r done"
done
python3 - "$work/ours" "$work/theirs" <<'PY'
import re, statistics, sys
ours, theirs = {}, {}
for line in open(sys.argv[1]):
    m = re.match(r"(SP/SC|MP/MC) bulk (\d+): ([\d.]+)", line)
    if m: ours.setdefault((m[1], int(m[2])), []).append(float(m[3]))
for line in open(sys.argv[2]):
    m = re.match(r"legacy APIs: (SP/SC|MP/MC): bulk \(size: (\d+)\): ([\d.]+)", line)
    if m: theirs.setdefault((m[1], int(m[2])), []).append(float(m[3]))
print(f"{'':14}{'PacketRing':>12}{'rte_ring':>12}{'ratio':>8}   (median cycles per element)")
for key in [("SP/SC", 8), ("SP/SC", 32), ("MP/MC", 8), ("MP/MC", 32)]:
    a, b = statistics.median(ours[key]), statistics.median(theirs[key])
    print(f"{key[0]} bulk {key[1]:<4}{a:>12.2f}{b:>12.2f}{a / b:>8.2f}")
PY
