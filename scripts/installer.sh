#!/usr/bin/env bash
# installer.sh IMAGE_DIR [DIST_DIR]: installer artifacts from a built node image (the seed's
# create-usb-installer.sh), written to DIST_DIR (argument, else $DIST_DIR, else dist/):
#   clusteros-node.raw      the disk image, for dd onto a disk or USB stick
#   clusteros-node.raw.gz   the same, compressed
#   clusteros-installer.iso El Torito bootable (ISOLINUX): boots the image's kernel into its
#                           initramfs shell with the raw.gz and install.sh on the medium
#   SHA256SUMS
# IMAGE_DIR is a directory images/build.sh wrote (pulumi stack output image gives its path).
# Outputs are keyed by the image: an up-to-date dist/ is left alone.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

main() {
  local img="${1:?usage: installer.sh IMAGE_DIR [DIST_DIR]}" dist="${2:-${DIST_DIR:-$LAB_ROOT/dist}}"
  [ -f "$img/clusteros-node.qcow2" ] || lab_die "$img has no clusteros-node.qcow2: build the image first (make up)"
  local stamp; stamp="$(sha256sum "$img/SHA256SUMS" | cut -c1-16)"
  if [ "$(cat "$dist/.image" 2>/dev/null)" = "$stamp" ] && [ -f "$dist/SHA256SUMS" ]; then
    lab_log "installer artifacts in $dist are up to date"; return 0
  fi
  mkdir -p "$dist"
  WORK="$(mktemp -d "$dist/.build.XXXXXX")"; local work="$WORK"
  trap 'rm -rf "$WORK"' EXIT

  lab_log "raw disk image"
  qemu-img convert -O raw "$img/clusteros-node.qcow2" "$work/clusteros-node.raw"
  gzip -1 -c "$work/clusteros-node.raw" > "$work/clusteros-node.raw.gz"

  lab_log "ISO installer"
  local iso="$work/iso"
  mkdir -p "$iso/isolinux" "$iso/clusteros"
  cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$iso/isolinux/"
  cp "$LAB_ROOT/images/installer/isolinux.cfg" "$iso/isolinux/"
  cp "$LAB_ROOT/images/installer/install.sh" "$iso/clusteros/"
  cp "$work/clusteros-node.raw.gz" "$iso/clusteros/"
  if [ -f "$img/vmlinuz" ]; then
    cp "$img/vmlinuz" "$img/initrd.img" "$iso/clusteros/"
  else
    lab_die "$img has no vmlinuz/initrd.img: the ISO boots the debian-12 flavor's kernel"
  fi
  (cd "$iso/clusteros" && sha256sum clusteros-node.raw.gz > SHA256SUMS)
  xorriso -as mkisofs -quiet -o "$work/clusteros-installer.iso" -V CLUSTEROS_INSTALL \
    -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
    -J -R "$iso"
  rm -rf "$iso"
  (cd "$work" && sha256sum clusteros-node.raw clusteros-node.raw.gz clusteros-installer.iso > SHA256SUMS)
  echo "$stamp" > "$work/.image"
  rm -rf "${dist:?}"/clusteros-node.raw* "$dist/clusteros-installer.iso" "$dist/SHA256SUMS"
  mv "$work"/clusteros-node.raw "$work"/clusteros-node.raw.gz "$work"/clusteros-installer.iso \
    "$work"/SHA256SUMS "$work"/.image "$dist/"
  lab_log "installer artifacts: $dist"
}

main "$@"
