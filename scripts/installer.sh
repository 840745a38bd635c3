#!/usr/bin/env bash
# installer.sh IMAGE_DIR [DIST_DIR] [--seed DIR] [--seeds DIR] [--config FILE] [--preseed FILE]
# Release artifacts from a built node image (the seed's create-usb-installer.sh), written
# to DIST_DIR (argument, else $DIST_DIR, else dist/):
#   clusteros-node.raw        the whole-disk image (GPT, GRUB for BIOS and UEFI): dd it onto
#                             a disk or USB stick and it boots
#   clusteros-node.raw.gz     the same, compressed (gzip: what every machine can unpack)
#   clusteros-installer.iso   hybrid installer: boots from a USB stick or as a CD/BMC virtual
#                             medium, on BIOS and UEFI, and installs the image unattended
#                             (images/installer/clusteros-install)
#   SHA256SUMS
#   netboot/                  the network install: a tree for a TFTP (and HTTP) server
#                             (netboot_tree), the same installer and image as the ISO's;
#                             what a stack's provisioning network serves (netbootTree)
# Options put more on the installer medium (and in netboot/):
#   --seed DIR      a NoCloud seed (user-data, meta-data, network-config) for the machine
#   --seeds DIR     a NoCloud seed per machine, each in a directory named by one of the
#                   machine's IDs: a MAC address (52:54:00:12:34:56 or 52-54-00-12-34-56),
#                   uuid-<system UUID> or serial-<serial number> (see clusteros-install)
#   --config FILE   install.conf (target=, overwrite=, after=, on_error=, mode=)
#   --preseed FILE  the stack's bareMetal output as JSON ({files, enableUnits}): the network
#                   pre-seed, written into the installed system
# A medium that carries a seed or a pre-seed holds secrets: the ISO is then mode 0600, and
# netboot/ 0700, readable besides only by the user libvirt's dnsmasq serves it as (an ACL for
# NETBOOT_READER, nobody by default: components/plan/netboot.ts says why). Whatever serves
# the tree serves the secrets: a provisioning network only.
# The installer medium carries the image zstd-compressed (clusteros-node.raw.zst, MEDIUM_IMAGE),
# with a static decompressor (toolchain/unzstd) in its overlay, which also has the disk zero
# the image's empty space instead of copying it: under TCG, gunzip and dd in the initramfs
# spent 115 s of a 150 s install on the 3 GiB disk, unzstd 44 s of 78.
# IMAGE_DIR is a directory images/build.sh wrote (pulumi stack output image gives its path).
# Outputs are keyed by everything that goes into them: an up-to-date dist/ is left alone.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/toolchain.sh
. "$(dirname "$0")/lib/toolchain.sh"

LABEL=CLUSTEROS_INSTALL
# The image as the medium carries it (images/installer/clusteros-install IMAGE).
MEDIUM_IMAGE=clusteros-node.raw.zst

main() {
  local img="" dist="" seed="" seeds="" conf="" preseed=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --seed) seed="$2"; shift 2 ;;
      --seeds) seeds="$2"; shift 2 ;;
      --config) conf="$2"; shift 2 ;;
      --preseed) preseed="$2"; shift 2 ;;
      -*) lab_die "installer.sh: unknown option $1" ;;
      *) if [ -z "$img" ]; then img="$1"; else dist="$1"; fi; shift ;;
    esac
  done
  [ -n "$img" ] || lab_die "usage: installer.sh IMAGE_DIR [DIST_DIR] [--seed DIR] [--seeds DIR] [--config FILE] [--preseed FILE]"
  dist="${dist:-${DIST_DIR:-$LAB_ROOT/dist}}"
  [ -f "$img/clusteros-node.qcow2" ] || lab_die "$img has no clusteros-node.qcow2: build the image first (make up)"
  [ -f "$img/boot/vmlinuz" ] && [ -f "$img/boot/initrd.img" ] \
    || lab_die "$img has no boot/vmlinuz and boot/initrd.img: it was built before images boot through firmware; make up rebuilds it"
  [ -z "$seed" ] || [ -f "$seed/user-data" ] || lab_die "--seed $seed: no user-data there (a NoCloud seed has user-data and meta-data)"
  [ -z "$seeds" ] || check_seeds "$seeds"
  [ -z "$conf" ] || [ -f "$conf" ] || lab_die "--config $conf does not exist"
  [ -z "$preseed" ] || [ -f "$preseed" ] || lab_die "--preseed $preseed does not exist"
  [[ "${NETBOOT_HTTP:-}" =~ ^([A-Za-z0-9.-]*(:[0-9]{1,5})?)?$ && "${NETBOOT_HTTP:-}" != ":" ]] \
    || lab_die "NETBOOT_HTTP=${NETBOOT_HTTP}: give HOST, HOST:PORT or :PORT (the boot server itself, e.g. :8080 for a stack's provisioning network)"

  lab_load_env
  tc_unzstd
  local unzstd; unzstd="$(tc_unzstd_bin)"
  local stamp; stamp="$({ cat "$img/SHA256SUMS" "$0" "$LAB_ROOT/scripts/lib/net-modules.mjs" "$unzstd"; echo "${NETBOOT_HTTP:-} ${NETBOOT_READER:-}"
    find "$LAB_ROOT/images/installer" -type f | sort | xargs cat
    [ -z "$seed" ] || cat "$seed"/*; [ -z "$seeds" ] || (cd "$seeds" && find . -type f | sort | xargs -r tail -n +1)
    [ -z "$conf" ] || cat "$conf"; [ -z "$preseed" ] || cat "$preseed"; } | sha256sum | cut -c1-16)"
  if [ "$(cat "$dist/.image" 2>/dev/null)" = "$stamp" ] && [ -f "$dist/SHA256SUMS" ]; then
    lab_log "installer artifacts in $dist are up to date"; return 0
  fi
  mkdir -p "$dist"
  WORK="$(mktemp -d "$dist/.build.XXXXXX")"; local work="$WORK"
  trap 'rm -rf "$WORK"' EXIT

  raw_image "$img" "$work"

  lab_log "hybrid BIOS/UEFI installer ISO"
  local iso="$work/iso" medium="$work/iso/clusteros"
  mkdir -p "$iso/boot/grub" "$medium" "$work/overlay"
  cp "$LAB_ROOT/images/installer/grub.cfg" "$iso/boot/grub/grub.cfg"
  cp "$img/boot/vmlinuz" "$img/boot/initrd.img" "$medium/"
  # The installer joins the image's own initramfs as a second archive (GRUB loads both), with
  # the network cards' drivers that one lacks.
  install -m 0755 "$LAB_ROOT/images/installer/clusteros-install" "$work/overlay/clusteros-install"
  install -D -m 0755 "$unzstd" "$work/overlay/usr/lib/clusteros/unzstd"
  node "$LAB_ROOT/scripts/lib/net-modules.mjs" "$work/clusteros-node.raw" "$work/overlay/usr/lib/clusteros/net"
  (cd "$work/overlay" && find . | cpio --quiet -o -H newc -R 0:0) > "$medium/installer.cpio"
  mv "$work/$MEDIUM_IMAGE" "$medium/"
  (cd "$medium" && sha256sum "$MEDIUM_IMAGE" > SHA256SUMS)
  [ -z "$conf" ] || cp "$conf" "$medium/install.conf"
  if [ -n "$seed" ]; then mkdir "$medium/seed" && cp "$seed"/* "$medium/seed/"; fi
  [ -z "$seeds" ] || copy_seeds "$seeds" "$medium/seeds"
  [ -z "$preseed" ] || preseed_tar "$preseed" "$medium/preseed.tar"
  grub-mkrescue --quiet -o "$work/clusteros-installer.iso" "$iso" -- -volid "$LABEL" 2>"$work/mkrescue.log" \
    || { cat "$work/mkrescue.log" >&2; lab_die "grub-mkrescue failed (make setup installs grub-pc-bin, grub-efi-amd64-bin, mtools, xorriso)"; }
  netboot_tree "$work" "$medium"
  [ -z "$seed$seeds$preseed" ] || private_tree "$work/netboot"
  rm -rf "$iso" "$work/overlay"
  [ -z "$seed$seeds$preseed" ] || chmod 0600 "$work/clusteros-installer.iso"
  (cd "$work" && sha256sum clusteros-node.raw clusteros-node.raw.gz clusteros-installer.iso > SHA256SUMS)
  echo "$stamp" > "$work/.image"
  rm -rf "${dist:?}"/clusteros-node.raw* "$dist/clusteros-installer.iso" "$dist/SHA256SUMS" "$dist/netboot"
  mv "$work"/clusteros-node.raw "$work"/clusteros-node.raw.gz "$work"/clusteros-installer.iso \
    "$work"/SHA256SUMS "$work"/netboot "$work"/.image "$dist/"
  lab_log "installer artifacts: $dist"
}

# raw_image IMAGE_DIR WORK: clusteros-node.raw, .raw.gz and .raw.zst of the image into WORK. They are
# made once per image, in IMAGE_DIR.raw beside it (an image directory never changes once
# built, its name being its content hash), read-only, and copied from there (copies: a user
# may boot or write the dist/ ones).
raw_image() {
  local img="$1" work="$2" cache="$1.raw" tmp f
  if [ ! -f "$cache/clusteros-node.raw.gz" ]; then
    lab_log "raw disk image"
    tmp="$(mktemp -d "$cache.XXXXXX")"
    qemu-img convert -O raw "$img/clusteros-node.qcow2" "$tmp/clusteros-node.raw"
    gzip -1 -c "$tmp/clusteros-node.raw" > "$tmp/clusteros-node.raw.gz"
    chmod 0444 "$tmp"/clusteros-node.raw*
    mv "$tmp" "$cache" 2>/dev/null || rm -rf "$tmp" # another make usb made it meanwhile
  fi
  if [ ! -f "$cache/$MEDIUM_IMAGE" ]; then
    tmp="$(mktemp "$cache/.zst.XXXXXX")"
    zstd -q -f -T0 -3 "$cache/clusteros-node.raw" -o "$tmp"
    chmod 0444 "$tmp" && mv "$tmp" "$cache/$MEDIUM_IMAGE"
  fi
  for f in clusteros-node.raw clusteros-node.raw.gz "$MEDIUM_IMAGE"; do
    cp --sparse=always "$cache/$f" "$work/$f" && chmod 0644 "$work/$f"
  done
}

# netboot_tree WORK MEDIUM: the network install's tree, WORK/netboot, for a TFTP server (and
# an HTTP server) to serve as it is: GRUB's network images (boot/grub/i386-pc/core.0 for BIOS
# PXE, boot/grub/x86_64-efi/core.efi for UEFI: components/plan/netboot.ts NETBOOT_BOOT_FILES)
# with their modules, its menu (grub-net.cfg) and where it fetches from (boot/grub/netboot.cfg:
# the boot server over TFTP, or over HTTP from NETBOOT_HTTP: HOST, HOST:PORT, or :PORT for
# the boot server itself at that port, as a stack's provisioning network serves it), and the medium's
# clusteros/ directory, which GRUB and the installer fetch: hard links to the medium's files,
# not a second copy of the image.
netboot_tree() {
  local net="$1/netboot" platform
  for platform in i386-pc x86_64-efi; do
    grub-mknetdir --net-directory="$net" --subdir=boot/grub -d "/usr/lib/grub/$platform" >/dev/null 2>"$1/mknetdir.log" \
      || { cat "$1/mknetdir.log" >&2; lab_die "grub-mknetdir ($platform) failed (make setup installs grub-pc-bin, grub-efi-amd64-bin)"; }
  done
  cp "$LAB_ROOT/images/installer/grub-net.cfg" "$net/boot/grub/grub.cfg"
  if [ -n "${NETBOOT_HTTP:-}" ]; then
    # shellcheck disable=SC2016 # GRUB expands it: the server GRUB itself came from
    printf 'set clusteros_proto="http"\nset clusteros_server="%s"\n' "${NETBOOT_HTTP/#:/'${net_default_server}':}"
  else
    # shellcheck disable=SC2016 # GRUB expands it: the server GRUB itself came from
    printf 'set clusteros_proto="tftp"\nset clusteros_server="${net_default_server}"\n'
  fi > "$net/boot/grub/netboot.cfg"
  cp -al "$2" "$net/clusteros"
  lab_log "network boot tree (TFTP and HTTP): $(basename "$net")/"
}

# private_tree DIR: DIR readable by its owner and by NETBOOT_READER alone (see the top).
private_tree() {
  local reader="${NETBOOT_READER:-nobody}"
  chmod -R go-rwx "$1"
  if id -u "$reader" >/dev/null 2>&1; then
    command -v setfacl >/dev/null || lab_die "setfacl is missing (make setup installs acl): the network boot tree holds secrets, for $reader alone to serve"
    setfacl -R -m "u:$reader:rX" "$1"
  fi
}

# The medium's name of a machine's seed directory, as the installer looks it up: a MAC
# address in lower case with dashes, a UUID in lower case, a serial number as it is.
id_dir() {
  case "$1" in
    serial-*) printf '%s' "$1" ;;
    *) printf '%s' "$1" | tr 'A-F:' 'a-f-' ;;
  esac
}

# check_seeds DIR: every entry of DIR is a seed directory named by a machine's ID.
check_seeds() {
  local d n=0 id
  [ -d "$1" ] || lab_die "--seeds $1 is not a directory (it holds a NoCloud seed per machine, in a directory named by the machine's MAC address, uuid-<UUID> or serial-<serial>)"
  for d in "$1"/*; do
    [ -e "$d" ] || continue
    id="$(basename "$d")"
    [[ "$id" =~ ^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$ || "$id" =~ ^uuid-[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$
       || "$id" =~ ^serial-[A-Za-z0-9._-]+$ ]] \
      || lab_die "--seeds $1: $id is not a machine ID (a MAC address 52:54:00:12:34:56, uuid-<system UUID> or serial-<serial number>)"
    [ -f "$d/user-data" ] || lab_die "--seeds $1: $(basename "$d") has no user-data (a NoCloud seed has user-data and meta-data)"
    n=$((n + 1))
  done
  [ "$n" -gt 0 ] || lab_die "--seeds $1 is empty"
}

# copy_seeds DIR TO: each machine's seed under its MAC as the installer looks it up.
copy_seeds() {
  local d to
  for d in "$1"/*; do
    to="$2/$(id_dir "$(basename "$d")")"
    [ ! -e "$to" ] || lab_die "--seeds $1: two directories name the machine $(basename "$to")"
    mkdir -p "$to" && cp "$d"/* "$to/"
  done
  lab_log "seeds for $(find "$2" -mindepth 1 -maxdepth 1 -type d | wc -l) machines, by machine ID"
}

# preseed_tar JSON TAR: the bareMetal output's files (and unit links) as a tar archive the
# installer unpacks over the installed root. Built in a private directory.
preseed_tar() {
  local tree="$WORK/preseed"
  (umask 077 && mkdir "$tree")
  node "$LAB_ROOT/scripts/lib/preseed-tree.mjs" "$tree" < "$1"
  # Files and links only: directories the archive named would take its modes over the
  # installed system's own (/, /etc, /var/lib); the installer creates missing ones.
  (cd "$tree" && find . ! -type d | sort) \
    | tar --owner=0 --group=0 --numeric-owner --no-recursion -C "$tree" -T - -cf "$2"
  rm -rf "$tree"
}

main "$@"
