#!/usr/bin/env bash
# fetch.sh: download (once) and verify the pinned Ubuntu 24.04 cloud image into the cache.
# Prints the image path. Needs the internet: run it outside the cluster's namespace.
# --cached-only: print the path if it is cached and verified, else fail without downloading.
set -euo pipefail
. "$(dirname "$0")/../../scripts/lib/common.sh"
. "$LAB_ROOT/images/ubuntu/cloud-image.env"
dir="$LAB_CACHE/downloads/ubuntu-$(basename "$UBUNTU_RELEASE_URL")"
img="$dir/$UBUNTU_IMAGE"
if [ -f "$img" ] && [ -f "$img.verified" ]; then echo "$img"; exit 0; fi
[ "${1:-}" != "--cached-only" ] || exit 1
mkdir -p "$dir"
tmp="$(mktemp -d "$dir/.fetch.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
if ! curl -fsSL --max-time 30 -o "$tmp/SHA256SUMS" "$UBUNTU_RELEASE_URL/SHA256SUMS" \
   || ! curl -fL --max-time 1800 -o "$tmp/$UBUNTU_IMAGE" "$UBUNTU_RELEASE_URL/$UBUNTU_IMAGE"; then
  lab_die "cannot download the Ubuntu 24.04 cloud image from $UBUNTU_RELEASE_URL (no internet?). Without internet use the ci stack: its debian-12 flavor builds from Debian packages (make up STACK=ci)"
fi
(cd "$tmp" && grep " \*\?$UBUNTU_IMAGE\$" SHA256SUMS | sha256sum -c --quiet) || lab_die "checksum mismatch for $UBUNTU_IMAGE"
mv "$tmp/$UBUNTU_IMAGE" "$img"
touch "$img.verified"
echo "$img"
