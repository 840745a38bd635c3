#!/usr/bin/env bash
# up.sh STACK: pulumi up on a stack, where this machine's mode puts the lab (scripts/lib/mode.sh):
# host mode uses the running system libvirt as it is; namespace mode starts the lab's own
# libvirtd in its namespace when needed and runs Pulumi inside it. The Debian base needs
# apt, so it is built (or found in the cache) first, outside any namespace.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
lab_load_env
stack="${1:?stack}"
cd "$LAB_ROOT"
flavor="$(pulumi config get imageFlavor --stack "$stack" 2>/dev/null || true)"
image_path="$(pulumi config get imagePath --stack "$stack" 2>/dev/null || true)"
case "$flavor" in
  debian-12) images/debian/build-base.sh >/dev/null ;;
  ubuntu-24.04|"") [ -n "$image_path" ] || images/ubuntu/fetch.sh >/dev/null ;;
esac
scripts/libvirtd.sh ensure
lab_in_place pulumi up --stack "$stack" --yes --skip-preview
