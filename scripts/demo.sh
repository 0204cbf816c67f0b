#!/usr/bin/env bash
# One command from a fresh clone: install what is missing, build vf-fwd (release) and run it
# on the embedded default, examples/neutron.yaml (DPDK pcap ports, no hardware, no hugepages).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product vf-fwd
mkdir -p out
.build/release/vf-fwd check --config examples/neutron.yaml
.build/release/vf-fwd run --config examples/neutron.yaml --duration 2 --stats-json out/stats.json -- \
    -l 0 --no-huge -m 512 --no-pci --log-level=3
echo "stats: out/stats.json; frames sent: out/tenant-a.pcap, out/uplink.pcap"
