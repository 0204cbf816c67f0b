#!/usr/bin/env bash
# Forwarding rates, one forwarding core each, alternating runs, medians and ratios.
#   scripts/bench-fwd.sh [crossconnect|translate|mock|mock-pf|pipeline|engine] [ROUNDS] [SECONDS]
#   BENCH_MEMORY=huge scripts/bench-fwd.sh ...   hugepages (scripts/hugepages.sh reserve) instead
#                                                of --no-huge; see "mbuf pool layout" in README
# crossconnect: `vf-fwd run`, two net_null ports, `vlan: any` both ways
#               against dpdk-testpmd --forward-mode=io on the same vdevs
# translate:    vf-bench (the vf-fwd engine, pool prefilled with VLAN 100 frames), VLAN
#               translate both ways, against dpdk-testpmd --forward-mode=macswap
# mock:         `vf-fwd run` on mock ports (64-byte frames, infinite_rx, translate); no peer
# mock-pf:      `vf-fwd run` on two VFs of one emulated PF: 4M 64-byte VLAN 100 frames from
#               the wire (wire_rx_pcap) through the PF's filters to VF a, translated to VLAN
#               200 on VF b, through the VEB (for a's MAC, but not a's VLAN) out to the wire;
#               counted over fiftieths of a second before the file runs out; no peer
# pipeline:     vf-bench --pipeline: translate on a worker core between ring pairs that the main
#               core fills from and empties to two net_null ports, over PacketRing (RingPair)
#               against the same over rte_ring; the rounds alternate inside one process
# engine:       vf-bench --engine: the engine alone (the same buffers replayed, no PMD) on the
#               forwarding core, TSC cycles per packet of cross-connect, translate, pop-1/push-1,
#               QinQ translate and pop-2/push-2 (benchmarks/null-*.yaml), alternating in each round
#
# Every program reports the rate of each one-second interval after a one-second warm-up (as
# testpmd's Tx-pps). A run counts as the median of its intervals and, since interference from
# other tenants of this machine only ever slows a run down, also as its best interval (the
# reasoning of Python's timeit). Both are summarised as medians over the rounds.
set -Eeuo pipefail
# A failing program ends the script: say where, rather than end without a word.
trap 'echo "$0: line $LINENO failed (exit $?): $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
mode=${1:-crossconnect}
rounds=${2:-5}
seconds=${3:-5}
core=${BENCH_CORE:-1}          # the forwarding core of every program; core 0 is their main lcore
swift build -c release --product vf-fwd >/dev/null
swift build -c release --product vf-bench >/dev/null
work=$(mktemp -d)
# The EAL leaves a runtime directory per file prefix in /var/run/dpdk (tmpfs): remove ours.
trap 'rm -rf "$work" "/var/run/dpdk/bench-vf-$$" "/var/run/dpdk/bench-tp-$$"' EXIT
if [ "${BENCH_MEMORY:-no-huge}" = huge ]; then
    eal=(-m 1024 --huge-unlink --no-pci --log-level=3)
else
    eal=(--no-huge -m 1024 --no-pci --log-level=3)
fi
# 64-byte frame (without CRC) with one 802.1Q tag, VID 100, PCP 3.
frame=0200000000020200000000018100606408$(printf '00%.0s' $(seq 47))
# 64-byte frame with an 802.1ad S-tag, VID 3000, PCP 3, and an 802.1Q C-tag, VID 10.
qinq_frame=02000000000202000000000188a86bb88100000a0800$(printf '00%.0s' $(seq 42))

# Reads interval rates in Mpps, one per line; prints "<median> <best>".
summarise() {
    python3 -c '
import statistics, sys
rates = [float(x) for x in sys.stdin.read().split()]
print("%.3f %.3f" % ((statistics.median(rates), max(rates)) if rates else (0, 0)))'
}
# vf-fwd's --stats-interval lines: "[t s] port rx N tx N drop N | ...".
vf_fwd_intervals() {
    python3 -c '
import re, sys
points = []
for line in sys.stdin:
    m = re.match(r"\[([\d.]+) s\] (.* tx \d.*)", line)
    if m: points.append((float(m[1]), sum(int(x) for x in re.findall(r" tx (\d+)", m[2]))))
for a, b in zip(points, points[1:]): print((b[1] - a[1]) / (b[0] - a[0]) / 1e6)'
}
ours() {
    case "$mode" in
        crossconnect)
            .build/release/vf-fwd run --config benchmarks/null-crossconnect.yaml --duration "$seconds" \
                --stats-interval 1 -- -l "0,$core" "${eal[@]}" --file-prefix "bench-vf-$$" | vf_fwd_intervals ;;
        translate)
            out=$(.build/release/vf-bench benchmarks/null-translate.yaml "$seconds" "$frame" \
                -- -l "0,$core" "${eal[@]}" --file-prefix "bench-vf-$$")
            echo "$out" | head -n 1 | awk '{print $3}' >> "$work/cycles"
            echo "$out" | sed -n 's/^intervals: //p' | tr ' ' '\n' ;;
        mock)
            taskset -c "$core" .build/release/vf-fwd run --config benchmarks/mock-translate.yaml --duration "$seconds" \
                --stats-interval 1 | vf_fwd_intervals ;;
        mock-pf)
            # A file's worth lasts a third of a second: fiftieths, the first (warm-up) and the
            # last (the file ran out in it) left out.
            taskset -c "$core" .build/release/vf-fwd run --config "$work/mock-pf.yaml" --duration "$seconds" \
                --stats-interval 0.02 | vf_fwd_intervals | awk '$1 > 0' | sed '1d;$d' ;;
    esac | summarise
}
theirs() {
    # testpmd's main lcore 0 only prints stats; forwarding runs on $core. It runs until it has
    # printed a warm-up period and $seconds forwarding periods, however long its start takes
    # (seconds with --no-huge, zeroing its memory), then gets SIGINT as an operator's ^C.
    python3 - "$seconds" dpdk-testpmd -l "0,$core" "${eal[@]}" --file-prefix "bench-tp-$$" \
        --vdev net_null0 --vdev net_null1 -- --forward-mode="$1" --nb-cores=1 --total-num-mbufs=16384 \
        --stats-period 1 --auto-start <<'PY' | summarise
import re, signal, subprocess, sys
seconds, command = int(float(sys.argv[1])), sys.argv[2:]
testpmd = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
port_rates, periods = [], []           # one Tx-pps line per port, two ports per period
for line in testpmd.stdout:
    m = re.search(r"Tx-pps:\s+(\d+)", line)
    if not m: continue
    port_rates.append(int(m[1]))
    if len(port_rates) == 2:
        if sum(port_rates) > 0: periods.append(sum(port_rates) / 1e6)
        port_rates = []
        if len(periods) == seconds + 1: break
testpmd.send_signal(signal.SIGINT)
testpmd.communicate(timeout=30)
for rate in periods[1:]: print(rate)
PY
}

if [ "$mode" = pipeline ]; then
    .build/release/vf-bench --pipeline "$rounds" benchmarks/null-translate.yaml "$seconds" "$frame" \
        -- -l "0,$core" "${eal[@]}" --file-prefix "bench-vf-$$"
    exit 0
fi
if [ "$mode" = engine ]; then
    for r in $(seq "$rounds"); do
        for run in "null-crossconnect $frame" "null-translate $frame" "null-push-pop $frame" \
                   "null-qinq $qinq_frame" "null-push-pop-2 $qinq_frame"; do
            read -r config hex <<< "$run"
            .build/release/vf-bench --engine "benchmarks/$config.yaml" "$seconds" "$hex" \
                -- -l "$core" "${eal[@]}" --file-prefix "bench-vf-$$" | sed "s/^engine:/$config/"
        done
        echo "round $r done" >&2
    done | python3 -c '
import collections, statistics, sys
cycles = collections.defaultdict(list)
for line in sys.stdin:
    name, value, _ = line.split()
    cycles[name].append(float(value))
for name, values in cycles.items():
    print(f"{name:18} {statistics.median(values):6.2f} cycles/packet (median of {len(values)}; {min(values):.2f}-{max(values):.2f})")'
    exit 0
fi
case "$mode" in
    crossconnect) peer=io ;;
    translate) peer=macswap ;;
    mock) peer="" ;;
    mock-pf)
        peer=""
        python3 - "$work/wire.pcap" <<'PY'
import struct, sys
frame = bytes.fromhex("020900000100" "020000000001" "8100" "6064" "0800") + bytes(46)  # to VF a, VLAN 100
record = struct.pack("<IIII", 0, 0, len(frame), len(frame)) + frame
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    f.write(record * 4_000_000)
PY
        cat > "$work/mock-pf.yaml" <<YAML
ports:
  - { name: a, device: "mock:pf=p0,wire_rx_pcap=$work/wire.pcap" }
  - { name: b, device: "mock:pf=p0" }
rules:
  - { in: { port: a, vlan: 100 }, out: { port: b, vlan: 200 } }
YAML
        ;;
    *) echo "usage: $0 [crossconnect|translate|mock|mock-pf|pipeline|engine] [ROUNDS] [SECONDS]" >&2; exit 2 ;;
esac
# The second program of a pair tends to run faster here, so the order alternates per round.
: > "$work/ours"; : > "$work/theirs"
for r in $(seq "$rounds"); do
    if [ -z "$peer" ]; then
        a=$(ours); echo "$a" >> "$work/ours"
        echo "round $r: ours ${a% *} Mpps (best second ${a#* })"
        continue
    fi
    if [ $((r % 2)) = 1 ]; then a=$(ours); b=$(theirs "$peer"); else b=$(theirs "$peer"); a=$(ours); fi
    echo "$a" >> "$work/ours"; echo "$b" >> "$work/theirs"
    echo "round $r: ours ${a% *} Mpps (best second ${a#* })   dpdk-testpmd($peer) ${b% *} Mpps (best second ${b#* })"
done
[ -s "$work/cycles" ] && echo "vf-bench cycles/packet per round: $(tr '\n' ' ' < "$work/cycles")"
python3 - "$mode" "$work/ours" "$work/theirs" <<'PY'
import statistics, sys
mode = sys.argv[1]
def runs(path): return [tuple(map(float, line.split())) for line in open(path) if line.strip()]
ours, theirs = runs(sys.argv[2]), runs(sys.argv[3])
for i, what in enumerate(["median second", "best second"]):
    a = statistics.median(r[i] for r in ours)
    if theirs:
        b = statistics.median(r[i] for r in theirs)
        print(f"{mode}, {what} per run, median of runs: ours {a:.2f} Mpps, dpdk-testpmd {b:.2f} Mpps, ratio {a / b:.3f}")
    else:
        print(f"{mode}, {what} per run, median of runs: ours {a:.2f} Mpps")
PY
