#!/usr/bin/env bash
# Builds the reference node agent as the one file nodeAgentPath takes: the agent script with
# serf, from Debian's serf package, appended after its marker line. Cached by the content of
# both; prints the file's path:
#   $LAB_CACHE/agents/serf-agent-<hash>/clusteros-serf-agent
# The first build downloads the package with apt: run it outside the lab's namespace.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
. "$(dirname "$0")/../../scripts/lib/common.sh"
here="$LAB_ROOT/examples/serf-agent"
debs="$LAB_CACHE/debs"
mkdir -p "$debs"
shopt -s nullglob
found=("$debs"/serf_*_amd64.deb)
if [ "${#found[@]}" -eq 0 ]; then
  (cd "$debs" && apt-get download serf >/dev/null 2>&1) || lab_die "apt-get download serf failed: the first build needs Debian's apt archive"
  found=("$debs"/serf_*_amd64.deb)
fi
deb="${found[-1]}"
hash="$(cat "$here/clusteros-serf-agent.sh" "$deb" | sha256sum | cut -c1-16)"
out="$LAB_CACHE/agents/serf-agent-$hash"
if [ ! -f "$out/clusteros-serf-agent" ]; then
  mkdir -p "$LAB_CACHE/agents"
  tmp="$(mktemp -d "$LAB_CACHE/agents/.serf-agent.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  dpkg-deb --fsys-tarfile "$deb" | tar -xf - -C "$tmp" ./usr/bin/serf
  { cat "$here/clusteros-serf-agent.sh"; echo "__SERF_PAYLOAD__"; tar -czf - -C "$tmp/usr/bin" serf; } > "$tmp/clusteros-serf-agent"
  chmod 0755 "$tmp/clusteros-serf-agent"
  rm -rf "${tmp:?}/usr"
  mv "$tmp" "$out"
  trap - EXIT
fi
echo "$out/clusteros-serf-agent"
