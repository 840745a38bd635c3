#!/usr/bin/env bash
# lab.sh: the cluster control CLI (cli/lab.ts). `scripts/lab.sh --help` lists its commands.
# It works in both modes (scripts/lib/mode.sh): in namespace mode it reaches nodes through
# the lab namespace itself, so it runs from the host shell as it is.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
lab_load_env
lab_mode
export CLUSTEROS_LAB_NETNS="$LAB_NETNS"
exec "${LAB_TS[@]}" "$LAB_ROOT/cli/lab.ts" "$@"
