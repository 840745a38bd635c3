#!/usr/bin/env bash
# build.sh: build one ClusterOS node image with Packer.
#   images/build.sh --flavor debian-12|ubuntu-24.04 --out DIR [--node-agent FILE]
#                   [--k3s-version V] [--kubernetes-bundle DIR] [--accelerator tcg|kvm] [--raw]
#                   [--extra-packages a,b] [--provision-dir DIR]
# DIR is keyed by the image's content hash (the NodeImage component computes it), so an
# existing DIR/clusteros-node.qcow2 is the finished image and nothing is rebuilt. Packer
# writes into a temporary directory renamed to DIR only on success: a failed build
# leaves nothing a later run would take for an image.
# DIR holds clusteros-node.qcow2, a whole disk that boots through firmware (BIOS or UEFI),
# and boot/{vmlinuz,initrd.img}, the image's own kernel and initrd, which the installer
# medium boots; with --raw also clusteros-node.raw and clusteros-node.raw.gz, the same disk.
# Build logs: DIR.log.
set -euo pipefail
. "$(dirname "$0")/../scripts/lib/common.sh"

# The whole script is one function, read completely before it runs: editing the file
# while a build runs cannot change what the build does.
main() {
  flavor="" out="" agent="" k3s="" kbundle="" accel="tcg" raw=0 extra="" provision=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --flavor) flavor="$2"; shift 2 ;;
      --out) out="$2"; shift 2 ;;
      --node-agent) agent="$2"; shift 2 ;;
      --k3s-version) k3s="$2"; shift 2 ;;
      --kubernetes-bundle) kbundle="$2"; shift 2 ;;
      --accelerator) accel="$2"; shift 2 ;;
      --raw) raw=1; shift ;;
      --extra-packages) extra="$2"; shift 2 ;;
      --provision-dir) provision="$2"; shift 2 ;;
      *) lab_die "build.sh: unknown argument $1" ;;
    esac
  done
  [ -n "$flavor" ] && [ -n "$out" ] || lab_die "usage: build.sh --flavor F --out DIR [...]"

  if [ -f "$out/clusteros-node.qcow2" ]; then
    lab_log "image $out is built already"
    exit 0
  fi
  command -v packer >/dev/null || lab_die "packer is not installed: run make setup"
  [ -z "$agent" ] || [ -f "$agent" ] || lab_die "node-agent binary $agent does not exist (config key nodeAgentPath)"
  [ -z "$kbundle" ] || [ -f "$kbundle/SHA256SUMS" ] \
    || lab_die "the Kubernetes bundle $kbundle is not built (config key kubernetes=upstream): run make kubernetes"

  mkdir -p "$(dirname "$out")"
  work="$(mktemp -d "$out.building.XXXXXX")"
  # On failure the build's serial console is kept beside the log: it shows why a guest
  # never answered (a boot that hung, a kernel panic).
  trap 'if [ ! -d "$out" ] && [ -s "$work/serial.log" ]; then cp "$work/serial.log" "$out.serial.log"; fi; rm -rf "$work"' EXIT
  payload="$work/payload"
  mkdir -p "$payload" "$work/boot"
  cp "$LAB_ROOT/images/common/provision/lib.sh" "$payload/"
  cp -r "$LAB_ROOT/images/common/systemd" "$LAB_ROOT/images/common/grub" "$LAB_ROOT/images/common/cloud" \
    "$LAB_ROOT/images/common/initramfs" "$LAB_ROOT/images/common/kubernetes" "$payload/"
  # Hard links where the cache and the build share a filesystem: the bundle is ~650 MB.
  if [ -n "$kbundle" ]; then
    cp -rl "$kbundle" "$payload/kubernetes-bundle" 2>/dev/null \
      || { rm -rf "$payload/kubernetes-bundle"; cp -r "$kbundle" "$payload/kubernetes-bundle"; }
  fi
  printf 'FLAVOR=%q\nK3S_VERSION=%q\nK3S_SHA256=%q\nEXTRA_PACKAGES=%q\n' "$flavor" "$k3s" "${K3S_SHA256:-}" "${extra//,/ }" > "$payload/build.env"
  # The user's provisioning scripts (config key imageProvisionDir), run by 50-extra.sh in name order.
  if [ -n "$provision" ]; then
    mkdir -p "$payload/extra-provision"
    find "$provision" -maxdepth 1 -type f -name '*.sh' -exec cp {} "$payload/extra-provision/" \;
  fi
  if [ -n "$agent" ]; then
    install -m 0755 "$agent" "$payload/node-agent"
    cp "$LAB_ROOT/images/common/node-agent.service" "$payload/"
  fi

  case "$flavor" in
    debian-12)
      base="$("$LAB_ROOT/images/debian/build-base.sh" --cached-only ${extra:+--extra-packages "$extra"})" \
        || lab_die "the Debian base${extra:+ with $extra} is not built: run 'make image-base' or make up (it needs apt, so outside the cluster namespace)"
      source=qemu.debian
      vars=(-var "base_dir=$base" -var "base_checksum=sha256:$(sha256sum "$base/disk.img" | cut -d' ' -f1)")
      ;;
    ubuntu-24.04)
      img="$("$LAB_ROOT/images/ubuntu/fetch.sh" --cached-only)" \
        || lab_die "the Ubuntu 24.04 cloud image is not downloaded: run 'make image-base FLAVOR=ubuntu-24.04' (needs internet, outside the cluster namespace); offline, use the ci stack (debian-12)"
      source=qemu.ubuntu
      ssh-keygen -q -t ed25519 -N '' -C packer-build -f "$work/build_key"
      mkdir -p "$work/http"
      sed "s|{{{publicKey}}}|$(cat "$work/build_key.pub")|" "$LAB_ROOT/images/ubuntu/build-user-data.mustache" > "$work/http/user-data"
      echo "instance-id: clusteros-build" > "$work/http/meta-data"
      vars=(-var "cloud_image=$img" -var "cloud_image_checksum=sha256:$(sha256sum "$img" | cut -d' ' -f1)"
        -var "http_dir=$work/http" -var "ssh_key=$work/build_key")
      ;;
    *) lab_die "unknown image flavor '$flavor' (config key imageFlavor): use debian-12 or ubuntu-24.04" ;;
  esac

  lab_log "packer build $flavor -> $out"
  export PACKER_CACHE_DIR="$LAB_CACHE/packer"
  export CHECKPOINT_DISABLE=1
  # One Packer configuration (images/packer/*.pkr.hcl) with a source per flavor.
  (cd "$LAB_ROOT/images/packer" && packer build -color=false -timestamp-ui -only="$source" \
    "${vars[@]}" \
    -var "output_dir=$work/packer" \
    -var "payload_dir=$payload" \
    -var "boot_dir=$work/boot" \
    -var "accelerator=$accel" \
    -var "serial_log=$work/serial.log" \
    .) 2>&1 | tee "$work/packer.log"

  final="$work/final"
  mkdir -p "$final"
  mv "$work/packer/clusteros-node.qcow2" "$work/boot" "$final/"
  if [ "$raw" = 1 ]; then
    qemu-img convert -O raw "$final/clusteros-node.qcow2" "$final/clusteros-node.raw"
    gzip -k -1 "$final/clusteros-node.raw"
  fi
  (cd "$final" && find . -type f ! -name SHA256SUMS | sort | xargs sha256sum > SHA256SUMS)
  cp "$work/packer.log" "$out.log"
  mv "$final" "$out"
  lab_log "image ready: $out"
}

main "$@"
