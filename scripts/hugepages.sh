#!/usr/bin/env bash
# Reserve, show or release 2 MiB hugepages for DPDK, per NUMA node, and mount hugetlbfs.
#   scripts/hugepages.sh reserve [PAGES_PER_NODE]   (default 1024 = 2 GiB per node)
#   scripts/hugepages.sh status
#   scripts/hugepages.sh release
# Idempotent: reserving what is already reserved, or releasing nothing, succeeds.
set -euo pipefail

mount_point=/dev/hugepages
size_dir=hugepages-2048kB

nodes() {
    local found=0
    for node in /sys/devices/system/node/node[0-9]*; do
        [ -d "$node/hugepages/$size_dir" ] && { echo "$node"; found=1; }
    done
    # Kernels without NUMA expose only the global pool.
    [ $found = 1 ] || echo ""
}

pool_dir() { if [ -n "$1" ]; then echo "$1/hugepages/$size_dir"; else echo "/sys/kernel/mm/hugepages/$size_dir"; fi; }

need_root() {
    if [ "$(id -u)" != 0 ]; then
        echo "hugepages.sh: $1 needs root (writes /sys and mounts hugetlbfs): run it with sudo" >&2
        exit 1
    fi
}

status() {
    for node in $(nodes) ""; do
        local dir; dir=$(pool_dir "$node")
        [ -d "$dir" ] || continue
        printf '%-28s total %5s  free %5s\n' "${node:-all nodes}" "$(cat "$dir/nr_hugepages")" "$(cat "$dir/free_hugepages")"
        [ -n "$node" ] || true
    done
    if grep -qs " $mount_point hugetlbfs " /proc/mounts; then echo "hugetlbfs mounted on $mount_point"; else echo "hugetlbfs not mounted on $mount_point"; fi
}

reserve() {
    local pages=${1:-1024}
    [[ "$pages" =~ ^[0-9]+$ ]] || { echo "hugepages.sh: pages must be a number, got '$pages'" >&2; exit 2; }
    need_root reserve
    for node in $(nodes); do
        local dir; dir=$(pool_dir "$node")
        echo "$pages" > "$dir/nr_hugepages"
        local got; got=$(cat "$dir/nr_hugepages")
        if [ "$got" -lt "$pages" ]; then
            echo "hugepages.sh: ${node:-system}: asked for $pages pages, the kernel gave $got (memory fragmented or too small)" >&2
        fi
    done
    if ! grep -qs " $mount_point hugetlbfs " /proc/mounts; then
        mkdir -p "$mount_point"
        mount -t hugetlbfs -o pagesize=2M nodev "$mount_point"
    fi
    status
}

release() {
    need_root release
    # DPDK processes that exited uncleanly leave their page files behind.
    if grep -qs " $mount_point hugetlbfs " /proc/mounts; then
        find "$mount_point" -maxdepth 1 -name '*map_*' -delete 2>/dev/null || true
    fi
    for node in $(nodes); do echo 0 > "$(pool_dir "$node")/nr_hugepages"; done
    status
}

case "${1:-status}" in
    reserve) reserve "${2:-}" ;;
    status) status ;;
    release) release ;;
    *) echo "usage: $0 reserve [PAGES_PER_NODE] | status | release" >&2; exit 2 ;;
esac
