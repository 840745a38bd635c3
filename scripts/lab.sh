#!/usr/bin/env bash
# lab.sh: the cluster control CLI (cli/lab.ts). `scripts/lab.sh --help` lists its commands.
# It works in both modes (lab/mode.ts): in namespace mode it reaches nodes through the lab
# namespace itself, so it runs from the host shell as it is.
set -euo pipefail
# Also the packed package's `lab` command (npx lab ...), through npm's link to this file.
. "$(dirname "$(readlink -f "$0")")/lib/common.sh"
lab_load_env
exec "${LAB_TS[@]}" "$(lab_ts "$LAB_ROOT/cli/lab.ts")" "$@"
