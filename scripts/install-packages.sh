#!/usr/bin/env bash
# Installs the Debian packages vmqos's tests and demo use (run as root). Idempotent.
set -euo pipefail
PKGS=(maven qemu-system-x86 busybox-static cpio iproute2 ethtool iputils-ping stress-ng gcc libc6-dev util-linux kmod xz-utils zstd procps
      libvirt-daemon libvirt-clients libvirt-daemon-driver-qemu prometheus
      placement-api
      asciidoctor curl man-db systemd)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
