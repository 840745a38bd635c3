#!/usr/bin/env bash
# usb.sh STACK [DIST_DIR]: the release artifacts of STACK's image (scripts/installer.sh), with
# the stack's bare-metal network pre-seed (its secret bareMetal output) when it has one, and
# the seeds of its bareMetalNodes (its secret bareMetalSeeds output).
# SEED=DIR adds a NoCloud seed, SEEDS=DIR one per machine (by MAC, UUID or serial), INSTALL_CONF=FILE an
# install.conf (see make usb in the README).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
lab_load_env
stack="${1:?usage: usb.sh STACK [DIST_DIR]}"
image="$(pulumi stack output image --stack "$stack" --json | node -p 'JSON.parse(require("fs").readFileSync(0)).path')" \
  || lab_die "stack $stack has no image output: make up STACK=$stack first"
args=("$(dirname "$image")" ${2:+"$2"})
[ -z "${SEED:-}" ] || args+=(--seed "$SEED")
[ -z "${INSTALL_CONF:-}" ] || args+=(--config "$INSTALL_CONF")
# The pre-seed is a secret: decrypted only into a private file, removed on exit.
tmp="$(umask 077 && mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
pulumi stack output bareMetal --stack "$stack" --show-secrets --json > "$tmp/bare-metal.json" 2>/dev/null || echo '""' > "$tmp/bare-metal.json"
if node -e 'process.exit(typeof JSON.parse(require("fs").readFileSync(0)) === "object" ? 0 : 1)' < "$tmp/bare-metal.json"; then
  args+=(--preseed "$tmp/bare-metal.json")
else
  lab_log "no network pre-seed (config key bareMetal.network is not set): installed machines use DHCP via cloud-init"
fi
# The seeds of the machines that join the cluster (bareMetalNodes), beside SEEDS' own.
pulumi stack output bareMetalSeeds --stack "$stack" --show-secrets --json > "$tmp/seeds.json" 2>/dev/null || echo '""' > "$tmp/seeds.json"
node "$LAB_ROOT/scripts/lib/seeds-tree.mjs" "$tmp/seeds" ${SEEDS:+"$SEEDS"} < "$tmp/seeds.json" && args+=(--seeds "$tmp/seeds") || case $? in
  3) [ -z "${SEEDS:-}" ] || args+=(--seeds "$SEEDS") ;;
  *) exit 1 ;;
esac
"$LAB_ROOT/scripts/installer.sh" "${args[@]}"
