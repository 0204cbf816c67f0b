#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test the project (apt only).
set -euo pipefail
packages=(libdpdk-dev dpdk-dev libnuma-dev libpci-dev pkg-config)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "install-deps.sh: Swift 6 is not on PATH (see swift.org/install)" >&2; exit 1; }
