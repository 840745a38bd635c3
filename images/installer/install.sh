#!/bin/sh
# install.sh DISK: writes the ClusterOS node image from this medium onto DISK.
# DESTROYS EVERYTHING ON DISK. Run from the installer's initramfs shell (busybox sh).
set -e
disk="$1"
here="$(dirname "$0")"
[ -b "$disk" ] || { echo "usage: $0 /dev/sdX   (a whole disk; everything on it is erased)"; exit 2; }
echo "Checking the image..."
(cd "$here" && sha256sum -c SHA256SUMS)
printf 'Erase %s and install ClusterOS? Type yes: ' "$disk"
read -r answer
[ "$answer" = yes ] || { echo "aborted"; exit 1; }
gunzip -c "$here/clusteros-node.raw.gz" | dd of="$disk" bs=4M conv=fsync
sync
echo "ClusterOS written to $disk. Remove the installer medium and reboot."
