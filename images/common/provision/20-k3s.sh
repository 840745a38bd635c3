#!/usr/bin/env bash
# K3s at the pinned version with its checksum. Without internet the download fails:
# the image then has no K3s, and says so in /etc/clusteros/k3s-missing.
. /tmp/clusteros-payload/lib.sh
mkdir -p /etc/clusteros
if [ -z "${K3S_VERSION:-}" ]; then say "K3s disabled for this image"; echo "disabled" > /etc/clusteros/k3s-missing; exit 0; fi
url="https://github.com/k3s-io/k3s/releases/download/${K3S_VERSION//+/%2B}/k3s"
sums="https://github.com/k3s-io/k3s/releases/download/${K3S_VERSION//+/%2B}/sha256sum-amd64.txt"
# The checksum is the one given in K3S_SHA256, else the one the release publishes.
if curl -fsSL --max-time 60 -o /usr/local/bin/k3s "$url" \
   && expected="${K3S_SHA256:-$(curl -fsSL --max-time 30 "$sums" | awk '$2 == "k3s" {print $1}')}" \
   && [ -n "$expected" ] && echo "$expected  /usr/local/bin/k3s" | sha256sum -c --quiet; then
  chmod 0755 /usr/local/bin/k3s
  ln -sf k3s /usr/local/bin/kubectl
  rm -f /etc/clusteros/k3s-missing
  say "K3s ${K3S_VERSION} installed"
else
  rm -f /usr/local/bin/k3s
  echo "K3s ${K3S_VERSION} could not be downloaded from ${url} when this image was built" > /etc/clusteros/k3s-missing
  say "WARNING: K3s ${K3S_VERSION} could not be fetched (no internet?): the image has no K3s"
fi
