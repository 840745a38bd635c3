#!/usr/bin/env bash
# build-base.sh: the Debian 12 base for the debian-12 flavor, built offline-capable
# from Debian's apt repositories with mmdebstrap (no cloud image download).
# Output (cached by the content hash of this directory):
#   $LAB_CACHE/images/debian-base-<hash>/{root.img,vmlinuz,initrd.img,packer_ed25519,packer_ed25519.pub}
# root.img is an ext4 filesystem labelled clusteros-root (no partition table); the
# kernel and initrd boot it directly. Prints the output directory on stdout.
# Needs the network (apt): run it outside the cluster's network namespace.
# --cached-only: print the directory if the base is built, else fail without building.
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib/common.sh"

HERE="$LAB_ROOT/images/debian"
SUITE=bookworm
SIZE=3G
hash="$(cd "$HERE" && cat packages.txt build-base.sh | sha256sum | cut -c1-16)"
out="$LAB_CACHE/images/debian-base-$hash"
if [ -f "$out/root.img" ]; then echo "$out"; exit 0; fi
[ "${1:-}" != "--cached-only" ] || exit 1

command -v mmdebstrap >/dev/null || lab_die "mmdebstrap is missing: run make setup"
mkdir -p "$LAB_CACHE/images"
tmp="$(mktemp -d "$LAB_CACHE/images/.debian-base.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

ssh-keygen -q -t ed25519 -N '' -C packer-build -f "$tmp/packer_ed25519"
packages="$(grep -v '^#' "$HERE/packages.txt" | paste -sd, -)"

lab_log "building the Debian 12 base with mmdebstrap (about a minute)"
mmdebstrap --variant=apt --include="$packages" \
  --customize-hook='echo "LABEL=clusteros-root / ext4 defaults,discard 0 1" > "$1/etc/fstab"' \
  --customize-hook='echo clusteros-node > "$1/etc/hostname"' \
  --customize-hook='printf "[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n" > "$1/etc/systemd/network/99-packer-build.network"' \
  --customize-hook='chroot "$1" systemctl enable systemd-networkd' \
  --customize-hook="mkdir -p \"\$1/root/.ssh\" && install -m 0600 '$tmp/packer_ed25519.pub' \"\$1/root/.ssh/authorized_keys\"" \
  --customize-hook='cp "$1"/boot/vmlinuz-* "'"$tmp"'/vmlinuz" && cp "$1"/boot/initrd.img-* "'"$tmp"'/initrd.img"' \
  "$SUITE" "$tmp/rootfs" >&2

mkfs.ext4 -q -L clusteros-root -d "$tmp/rootfs" "$tmp/root.img" "$SIZE"
rm -rf "$tmp/rootfs"
chmod 0644 "$tmp/vmlinuz" "$tmp/initrd.img"
mv "$tmp" "$out"
trap - EXIT
echo "$out"
