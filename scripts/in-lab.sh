#!/usr/bin/env bash
# in-lab.sh CMD...: run CMD where this machine's lab nodes are reachable, with the project's
# environment: here in host mode, inside the lab namespace in namespace mode (see
# lab/mode.ts). Starts nothing. Example: scripts/in-lab.sh pulumi preview --stack ci
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
lab_load_env
[ $# -gt 0 ] || lab_die "usage: scripts/in-lab.sh CMD [ARGS...]"
lab_in_place "$@"
