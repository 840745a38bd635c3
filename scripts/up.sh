#!/usr/bin/env bash
# up.sh STACK NETNS: pulumi up on a stack, with libvirtd and Pulumi inside the namespace.
# The Debian base needs apt, so it is built (or found in the cache) before entering it.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
lab_load_env
stack="${1:?stack}" ns="${2:-$LAB_NETNS}"
cd "$LAB_ROOT"
flavor="$(pulumi config get imageFlavor --stack "$stack" 2>/dev/null || true)"
image_path="$(pulumi config get imagePath --stack "$stack" 2>/dev/null || true)"
case "$flavor" in
  debian-12) images/debian/build-base.sh >/dev/null ;;
  ubuntu-24.04|"") [ -n "$image_path" ] || images/ubuntu/fetch.sh >/dev/null ;;
esac
scripts/libvirtd.sh start "$ns"
exec ip netns exec "$ns" pulumi up --stack "$stack" --yes --skip-preview
