# shellcheck shell=bash
# Shared paths and helpers for ClusterOS Lab scripts. Source it; do not run it.

LAB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# The Pulumi project's name (Pulumi.yaml), which prefixes every libvirt object of a stack.
# shellcheck disable=SC2034 # used by the scripts that source this file
LAB_PROJECT=clusteros-lab
# How scripts run the project's TypeScript (the CLI, the JUnit report, the docs' blocks):
# through tsx here (esbuild, which keeps what it compiled: under TCG load a command starts in
# half ts-node's time); as the JavaScript beside it in the packed package (scripts/pack.ts),
# which has neither. lab_ts FILE.ts names the file to run. Pulumi runs index.ts with ts-node.
if [ -f "$LAB_ROOT/cli/lab.js" ]; then
  LAB_TS=(node)
  lab_ts() { echo "${1%.ts}.js"; }
else
  # shellcheck disable=SC2034 # used by the scripts that source this file
  LAB_TS=(node "$LAB_ROOT/node_modules/tsx/dist/cli.mjs" --tsconfig "$LAB_ROOT/tsconfig.json")
  lab_ts() { echo "$1"; }
fi
# shellcheck source=../../toolchain/versions.env
. "$LAB_ROOT/toolchain/versions.env"
# shellcheck source=../../toolchain/actionlint.env
. "$LAB_ROOT/toolchain/actionlint.env"

LAB_CACHE="${CLUSTEROS_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clusteros-lab}"
LAB_STATE="${CLUSTEROS_LAB_STATE:-${XDG_STATE_HOME:-$HOME/.local/state}/clusteros-lab}"
LAB_TOOLS="$LAB_CACHE/tools"
NODE_HOME="$LAB_TOOLS/node-v$NODE_VERSION"
PULUMI_TOOLS="$LAB_TOOLS/pulumi-v$PULUMI_VERSION"
ACTIONLINT_TOOLS="$LAB_TOOLS/actionlint-v$ACTIONLINT_VERSION"

export GOMODCACHE="$LAB_CACHE/go/mod"
export GOCACHE="$LAB_CACHE/go/build"
export GOFLAGS=-mod=mod
export GOTOOLCHAIN=local

# shellcheck source=mode.sh
. "$LAB_ROOT/scripts/lib/mode.sh"

lab_log() { printf '==> %s\n' "$*" >&2; }
lab_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# lab_stack_rm STACK: removes a stack of the tests or the bench from Pulumi's state, and keeps
# the stack the user had selected selected (`pulumi stack rm` of any stack clears it).
lab_stack_rm() {
  local selected
  selected="$(pulumi stack --show-name 2>/dev/null || true)"
  pulumi stack rm "$1" --yes --force >/dev/null 2>&1
  [ -z "$selected" ] || [ "$selected" = "$1" ] || pulumi stack select "$selected" >/dev/null 2>&1
}

# lab_node_ok: the system node is new enough (>= 22).
lab_system_node_ok() {
  local v
  v="$(PATH=/usr/local/bin:/usr/bin:/bin node --version 2>/dev/null)" || return 1
  v="${v#v}"
  [ "${v%%.*}" -ge 22 ] 2>/dev/null
}

# The project's environment: Node >= 22 and Pulumi first on PATH, offline Pulumi settings,
# local state backend, the state passphrase (this machine's own unless the user gives one,
# scripts/lib/passphrase.sh). Printed by `make -s env` and sourced by every script. Pulumi
# runs the program with ts-node without type-checking it (3 to 6 s saved on every up, preview
# and destroy under TCG load, measured): tests/unit/typecheck.test.ts checks the types once.
lab_env_exports() {
  local path_prefix="$PULUMI_TOOLS/bin:$ACTIONLINT_TOOLS"
  if ! lab_system_node_ok; then path_prefix="$NODE_HOME/bin:$path_prefix"; fi
  # Go where its official archive puts it, for a login whose PATH does not name it yet.
  if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then path_prefix="$path_prefix:/usr/local/go/bin"; fi
  cat <<EOV
export PATH="$path_prefix:$LAB_ROOT/node_modules/.bin:\$PATH"
export PULUMI_HOME="\${PULUMI_HOME:-$LAB_STATE/pulumi-home}"
export PULUMI_BACKEND_URL="\${PULUMI_BACKEND_URL:-file://$LAB_STATE/backend}"
[ -n "\${PULUMI_CONFIG_PASSPHRASE+set}" ] || export PULUMI_CONFIG_PASSPHRASE_FILE="\${PULUMI_CONFIG_PASSPHRASE_FILE:-$LAB_STATE/passphrase}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
export PULUMI_NODEJS_TRANSPILE_ONLY="\${PULUMI_NODEJS_TRANSPILE_ONLY:-true}"
export LIBVIRT_DEFAULT_URI="\${LIBVIRT_DEFAULT_URI:-qemu:///system}"
EOV
}

lab_load_env() {
  eval "$(lab_env_exports)"
}
