#!/usr/bin/env bash
# PacketRing against DPDK's rte_ring, measured the same way (two cores, ring size 4096, TSC
# cycles per element, enqueue + dequeue): alternates ring-bench and
# `dpdk-test ring_perf_autotest` ("Testing using two physical cores", legacy API), then prints
# both medians and the ratio (below 1.0: PacketRing is faster), over all rounds and then per
# regime: whether the two lcores shared an L3 (a cache line's round trip between them under 600
# cycles) while each run ran, as ring-bench measures before and after its rings; a dpdk-test run
# counts for the regime of the ring-bench runs on either side of it.
#   scripts/bench-ring.sh [ROUNDS]     (default 9: rte_ring's MP/MC figures swing between runs, 19-31
#                                      cycles for bulk 8, so a short series can land on either end)
set -Eeuo pipefail
# A failing program ends the script: say where, rather than end without a word.
trap 'echo "$0: line $LINENO failed (exit $?): $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
rounds=${1:-9}
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
# The regime after the last dpdk-test run: a ring-bench of a few bulks, for its round trips.
.build/release/ring-bench 1000 -- -l 0-1 --no-huge -m 64 --no-pci --file-prefix "bench-ring-$$" >> "$work/ours"
python3 - "$work/ours" "$work/theirs" <<'PY'
import re, statistics, sys
keys = [("SP/SC", 8), ("SP/SC", 32), ("MP/MC", 8), ("MP/MC", 32)]
def runs(path, pattern, separator):
    # One dict per program run: figures by key, plus "trip" (ring-bench's round trips).
    result = []
    for line in open(path):
        if separator(line): result.append({})
        m = re.match(pattern, line)
        if m: result[-1][(m[1], int(m[2]))] = float(m[3])
        m = re.match(r"line round trip: (\d+) (\d+)", line)
        if m: result[-1]["trip"] = (int(m[1]), int(m[2]))
    return result
ours = runs(sys.argv[1], r"(SP/SC|MP/MC) bulk (\d+): ([\d.]+)", lambda l: l.startswith("SP/SC bulk 8:"))
theirs = runs(sys.argv[2], r"legacy APIs: (SP/SC|MP/MC): bulk \(size: (\d+)\): ([\d.]+)",
              lambda l: l.startswith("legacy APIs: SP/SC: bulk (size: 8):"))
def regime(*trips):
    kinds = {"near" if t < 600 else "apart" for t in trips}
    return kinds.pop() if len(kinds) == 1 else "mixed"
for run in ours: run["regime"] = regime(*run["trip"])
for r, run in enumerate(theirs): run["regime"] = regime(ours[r]["trip"][1], ours[r + 1]["trip"][0])
ours.pop()  # the last short run: it only told the regime after the last dpdk-test run
names = {"near": "lcores sharing an L3", "apart": "lcores apart", "mixed": "regime changed during the run"}
def table(title, a, b):
    print(title)
    print(f"{'':14}{'PacketRing':>12}{'rte_ring':>12}{'ratio':>8}   (median cycles per element)")
    for key in keys:
        x, y = statistics.median(r[key] for r in a), statistics.median(r[key] for r in b)
        print(f"{key[0]} bulk {key[1]:<4}{x:>12.2f}{y:>12.2f}{x / y:>8.2f}")
def count(runs): return ", ".join(f"{names[n]} {sum(r['regime'] == n for r in runs)}" for n in names)
table(f"all {len(ours)} rounds (ring-bench runs: {count(ours)}; dpdk-test runs: {count(theirs)})", ours, theirs)
for name in ["near", "apart"]:
    a, b = [r for r in ours if r["regime"] == name], [r for r in theirs if r["regime"] == name]
    if a and b and (len(a), len(b)) != (len(ours), len(theirs)):
        table(f"{names[name]}: {len(a)} ring-bench runs, {len(b)} dpdk-test runs", a, b)
PY
