#!/usr/bin/env bash
# Forwarding rates, one forwarding core each, alternating runs, medians and ratios.
#   scripts/bench-fwd.sh [crossconnect|translate|mock] [ROUNDS] [SECONDS]
# crossconnect: `vf-fwd run`, two net_null ports, `vlan: any` both ways
#               against dpdk-testpmd --forward-mode=io on the same vdevs
# translate:    vf-bench (the vf-fwd engine, pool prefilled with VLAN 100 frames), VLAN
#               translate both ways, against dpdk-testpmd --forward-mode=macswap
# mock:         `vf-fwd run` on mock ports (64-byte frames, infinite_rx, translate); no peer
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-crossconnect}
rounds=${2:-5}
seconds=${3:-5}
core=${BENCH_CORE:-1}          # the forwarding core of every program; core 0 is their main lcore
swift build -c release --product vf-fwd >/dev/null
swift build -c release --product vf-bench >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
eal=(--no-huge -m 1024 --no-pci --log-level=3)
# 64-byte frame (without CRC) with one 802.1Q tag, VID 100, PCP 3.
frame=0200000000020200000000018100606408$(printf '00%.0s' $(seq 47))

# Like testpmd's Tx-pps: the rate of each one-second interval, the first one (warm-up) left out,
# and their median.
interval_mpps() {
    python3 -c '
import re, sys, statistics
points = []
for line in sys.stdin:
    m = re.match(r"\[([\d.]+) s\] (.*)", line)
    if m: points.append((float(m[1]), sum(int(x) for x in re.findall(r" tx (\d+)", m[2]))))
rates = [(b[1] - a[1]) / (b[0] - a[0]) for a, b in zip(points, points[1:])]
print("%.3f" % (statistics.median(rates) / 1e6 if rates else 0))'
}
ours() {
    case "$mode" in
        crossconnect)
            .build/release/vf-fwd run --config benchmarks/null-crossconnect.yaml --duration "$seconds" \
                --stats-interval 1 -- -l "0,$core" "${eal[@]}" --file-prefix "bench-vf-$$" | interval_mpps ;;
        translate)
            .build/release/vf-bench benchmarks/null-translate.yaml "$seconds" "$frame" \
                -- -l "0,$core" "${eal[@]}" --file-prefix "bench-vf-$$" | tee -a "$work/cycles" | awk '{print $1}' ;;
        mock)
            taskset -c "$core" .build/release/vf-fwd run --config benchmarks/mock-translate.yaml --duration "$seconds" \
                --stats-interval 1 | interval_mpps ;;
    esac
}
theirs() {
    # testpmd's main lcore 0 only prints stats; forwarding runs on $core. The first period is warm-up.
    { timeout -s INT $((seconds + 3)) dpdk-testpmd -l "0,$core" "${eal[@]}" --file-prefix "bench-tp-$$" \
        --vdev net_null0 --vdev net_null1 -- --forward-mode="$1" --nb-cores=1 --total-num-mbufs=16384 \
        --stats-period 1 --auto-start 2>/dev/null || true; } | python3 -c '
import re, sys, statistics
tx = [int(m.group(1)) for m in (re.search(r"Tx-pps:\s+(\d+)", l) for l in sys.stdin) if m]
pairs = [tx[i] + tx[i + 1] for i in range(0, len(tx) - 1, 2)]
busy = [p for p in pairs if p > 0][1:]
print("%.3f" % (statistics.median(busy) / 1e6 if busy else 0))'
}

case "$mode" in
    crossconnect) peer=io ;;
    translate) peer=macswap ;;
    mock) peer="" ;;
    *) echo "usage: $0 [crossconnect|translate|mock] [ROUNDS] [SECONDS]" >&2; exit 2 ;;
esac
# The second program of a pair tends to run faster here, so the order alternates per round.
a_runs=(); b_runs=()
for r in $(seq "$rounds"); do
    if [ -z "$peer" ]; then
        a=$(ours); a_runs+=("$a")
        echo "round $r: ours $a Mpps"
        continue
    fi
    if [ $((r % 2)) = 1 ]; then a=$(ours); b=$(theirs "$peer"); else b=$(theirs "$peer"); a=$(ours); fi
    a_runs+=("$a"); b_runs+=("$b")
    echo "round $r: ours $a Mpps   dpdk-testpmd($peer) $b Mpps"
done
[ -f "$work/cycles" ] && echo "vf-bench cycles/packet per round: $(awk '{printf "%s ", $3}' "$work/cycles")"
python3 - "$mode" "${a_runs[*]}" "${b_runs[*]:-}" <<'PY'
import statistics, sys
mode, ours = sys.argv[1], [float(x) for x in sys.argv[2].split()]
a = statistics.median(ours)
if len(sys.argv) > 3 and sys.argv[3].strip():
    b = statistics.median(float(x) for x in sys.argv[3].split())
    print(f"{mode}: median ours {a:.2f} Mpps, dpdk-testpmd {b:.2f} Mpps, ratio {a / b:.3f}")
else:
    print(f"{mode}: median ours {a:.2f} Mpps")
PY
