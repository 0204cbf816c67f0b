#!/usr/bin/env bash
# vf-fwd against dpdk-testpmd on the same two net_null ports, one forwarding core each,
# alternating runs; prints per-run Mpps, the medians and their ratio.
#   scripts/bench-fwd.sh [crossconnect|translate] [ROUNDS] [SECONDS]
# crossconnect: vf-fwd `vlan: any` both ways  vs  testpmd --forward-mode=io
# translate:    vf-fwd VLAN translate rules   vs  testpmd --forward-mode=macswap
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-crossconnect}
rounds=${2:-5}
seconds=${3:-5}
core=${BENCH_CORE:-1}          # the forwarding core of both programs
swift build -c release --product vf-fwd >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

case "$mode" in
    crossconnect) config=benchmarks/null-crossconnect.yaml; pmd_mode=io ;;
    translate) config=benchmarks/null-translate.yaml; pmd_mode=macswap ;;
    *) echo "usage: $0 [crossconnect|translate] [ROUNDS] [SECONDS]" >&2; exit 2 ;;
esac

eal=(--no-huge -m 1024 --no-pci --log-level=3)
vf_fwd_mpps() {
    .build/release/vf-fwd run --config "$config" --duration "$seconds" --quiet --stats-json "$work/s.json" \
        -- -l "$core" "${eal[@]}" --file-prefix "bench-vf-$$"
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('%.3f' % (d['total']['tx_packets']/d['duration_s']/1e6))" "$work/s.json"
}
testpmd_mpps() {
    # Main lcore 0 only prints stats; forwarding runs on $core. The first period is warm-up.
    { timeout -s INT $((seconds + 3)) dpdk-testpmd -l "0,$core" "${eal[@]}" --file-prefix "bench-tp-$$" \
        --vdev net_null0 --vdev net_null1 -- --forward-mode="$pmd_mode" --nb-cores=1 --total-num-mbufs=16384 \
        --stats-period 1 --auto-start 2>/dev/null || true; } | python3 -c '
import re, sys, statistics
tx = [int(m.group(1)) for m in (re.search(r"Tx-pps:\s+(\d+)", l) for l in sys.stdin) if m]
pairs = [tx[i] + tx[i + 1] for i in range(0, len(tx) - 1, 2)]
busy = [p for p in pairs if p > 0][1:]
print("%.3f" % (statistics.median(busy) / 1e6 if busy else 0))'
}

ours=(); theirs=()
for r in $(seq "$rounds"); do
    a=$(vf_fwd_mpps); b=$(testpmd_mpps)
    ours+=("$a"); theirs+=("$b")
    echo "round $r: vf-fwd $a Mpps   dpdk-testpmd($pmd_mode) $b Mpps"
done
python3 - "$mode" "${ours[*]}" "${theirs[*]}" <<'PY'
import statistics, sys
mode, ours, theirs = sys.argv[1], [float(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()]
a, b = statistics.median(ours), statistics.median(theirs)
print(f"{mode}: median vf-fwd {a:.2f} Mpps, dpdk-testpmd {b:.2f} Mpps, ratio {a / b:.3f}")
PY
