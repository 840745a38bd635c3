#!/usr/bin/env bash
# Cluster packages: WireGuard, SLURM with munge, guest agent; GRUB for BIOS and UEFI,
# growpart's tools, busybox for the installer's initramfs, iwd for bare-metal WiFi.
# The Debian base already has them (mmdebstrap); the Ubuntu cloud image installs the
# missing ones from its archive.
. /tmp/clusteros-payload/lib.sh
# shellcheck disable=SC2206 # EXTRA_PACKAGES (config key imageExtraPackages): one word per package
need=(wireguard-tools slurm-wlm munge qemu-guest-agent cloud-guest-utils grub-pc-bin grub-efi-amd64-bin gdisk
  dosfstools busybox iwd iptables conntrack ${EXTRA_PACKAGES:-})
missing=()
for p in "${need[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
say "packages present: ${need[*]}"
