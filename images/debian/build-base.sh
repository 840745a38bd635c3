#!/usr/bin/env bash
# build-base.sh: the Debian 12 base for the debian-12 flavor, built offline-capable
# from Debian's apt repositories with mmdebstrap (no cloud image download).
# Output (cached by the content hash of this directory):
#   $LAB_CACHE/images/debian-base-<hash>/{disk.img,vmlinuz,initrd.img,packer_ed25519,packer_ed25519.pub}
# disk.img is a whole disk, laid out as hardware boots it (GPT: BIOS boot partition, EFI
# system partition, ext4 root labelled clusteros-root, last so it can grow). It is built
# from files, without loop devices or mounts; the boot loaders go in during the Packer
# build (images/common/provision/15-bootloader.sh), where the disk is a real block device.
# Until then only the build VM boots it, directly from vmlinuz and initrd.img.
# Prints the output directory on stdout.
# Needs the network (apt): run it outside the cluster's network namespace.
# --cached-only: print the directory if the base is built, else fail without building.
# --extra-packages a,b: more Debian packages in the base (config key imageExtraPackages); they
# are part of the hash, so each list has a base of its own.
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib/common.sh"

cached_only="" extra=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cached-only) cached_only=1; shift ;;
    --extra-packages) extra="$2"; shift 2 ;;
    *) lab_die "build-base.sh: unknown argument $1" ;;
  esac
done

HERE="$LAB_ROOT/images/debian"
SUITE=bookworm
SIZE=3G
ESP_LABEL=CLOS-ESP
TRIM_HOOK="$LAB_ROOT/images/common/initramfs/zz-clusteros-local-root"
hash="$(cd "$HERE" && { cat packages.txt build-base.sh "$TRIM_HOOK"; [ -z "$extra" ] || echo "extra=$extra"; } | sha256sum | cut -c1-16)"
out="$LAB_CACHE/images/debian-base-$hash"
if [ -f "$out/disk.img" ]; then echo "$out"; exit 0; fi
[ -z "$cached_only" ] || exit 1

for tool in mmdebstrap sgdisk mkfs.vfat; do
  command -v "$tool" >/dev/null || lab_die "$tool is missing: run make setup"
done
mkdir -p "$LAB_CACHE/images"
tmp="$(mktemp -d "$LAB_CACHE/images/.debian-base.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

ssh-keygen -q -t ed25519 -N '' -C packer-build -f "$tmp/packer_ed25519"
packages="$(grep -v '^#' "$HERE/packages.txt" | paste -sd, -)${extra:+,$extra}"

lab_log "building the Debian 12 base with mmdebstrap (about a minute)"
# The initramfs hook is in place before the kernel is installed, so the initramfs is built
# trimmed here, at native speed (update-initramfs in the TCG build VM takes minutes).
mmdebstrap --variant=apt --include="$packages" \
  --setup-hook="install -D -m 0755 '$TRIM_HOOK' \"\$1/etc/initramfs-tools/hooks/zz-clusteros-local-root\"" \
  --customize-hook='printf "LABEL=clusteros-root / ext4 defaults,discard 0 1\nLABEL=%s /boot/efi vfat umask=0077,nofail 0 2\n" '"$ESP_LABEL"' > "$1/etc/fstab" && mkdir -p "$1/boot/efi"' \
  --customize-hook='echo clusteros-node > "$1/etc/hostname"' \
  --customize-hook='printf "[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n" > "$1/etc/systemd/network/99-packer-build.network"' \
  --customize-hook='chroot "$1" systemctl enable systemd-networkd' \
  --customize-hook="mkdir -p \"\$1/root/.ssh\" && install -m 0600 '$tmp/packer_ed25519.pub' \"\$1/root/.ssh/authorized_keys\"" \
  --customize-hook='cp "$1"/boot/vmlinuz-* "'"$tmp"'/vmlinuz" && cp "$1"/boot/initrd.img-* "'"$tmp"'/initrd.img"' \
  "$SUITE" "$tmp/rootfs" >&2

# GPT: 1 MiB BIOS boot partition (GRUB's core image), 63 MiB EFI system partition, and the
# root filesystem (type: Linux x86-64 root) on the rest.
truncate -s "$SIZE" "$tmp/disk.img"
sgdisk -a 2048 -n 1:0:+1M -t 1:ef02 -c 1:bios-boot -n 2:0:+63M -t 2:ef00 -c 2:esp \
  -n 3:0:0 -t 3:8304 -c 3:clusteros-root "$tmp/disk.img" >/dev/null
part_sectors() { sgdisk -i "$1" "$tmp/disk.img" | awk -v k="$2" '$0 ~ k" sector:" { print $3 }'; }
place() { # place PART IMAGE: the filesystem image into partition PART
  dd if="$2" of="$tmp/disk.img" bs=4M seek="$(( $(part_sectors "$1" First) * 512 ))" oflag=seek_bytes conv=notrunc,sparse status=none
}
esp_kib=$(( ($(part_sectors 2 Last) - $(part_sectors 2 First) + 1) / 2 ))
mkfs.vfat -F 32 -n "$ESP_LABEL" -C "$tmp/esp.img" "$esp_kib" >/dev/null
root_bytes=$(( ($(part_sectors 3 Last) - $(part_sectors 3 First) + 1) * 512 ))
mkfs.ext4 -q -L clusteros-root -d "$tmp/rootfs" "$tmp/root.img" "$((root_bytes / 1024))k"
place 2 "$tmp/esp.img"
place 3 "$tmp/root.img"
rm -rf "$tmp/rootfs" "$tmp/esp.img" "$tmp/root.img"
chmod 0644 "$tmp/vmlinuz" "$tmp/initrd.img"
mv "$tmp" "$out"
trap - EXIT
echo "$out"
