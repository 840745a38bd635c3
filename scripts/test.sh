#!/usr/bin/env bash
# test.sh all|unit|e2e|kubernetes: the project's tests (scripts/test.ts, which says what each
# runs), once setup has installed the toolchain they run on. Ends with one summary line,
# "<passed> passed, <failed> failed", counting unit tests and end-to-end checks.
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"
# Setup first (idempotent, seconds when warm): a failed setup is a failed run, still summarised.
"$LAB_ROOT/scripts/setup.sh" || { echo "0 passed, 1 failed"; exit 1; }
lab_load_env
cd "$LAB_ROOT" && exec "${LAB_TS[@]}" "$(lab_ts scripts/test.ts)" "$@"
