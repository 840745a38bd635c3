#!/usr/bin/env bash
# cluster-test.sh [FILE|DIR...] [VITEST ARGS...]: cluster tests written with
# clusteros-lab/testing (vitest, one file at a time), run where the nodes are reachable
# (lab/mode.ts). FILEs and DIRs may be anywhere; without them, this project's. With STACK set,
# every test attaches to that running stack instead of bringing up its own
# (CLUSTEROS_LAB_TEST_STACK). JUNIT_XML=FILE writes a JUnit report. Also the packed package's
# `lab-test` command (npx lab-test ...): the stacks are those of the Pulumi program the caller
# is in (components/program-dir.ts), and vitest is the caller's.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib/common.sh"
lab_load_env
caller="$PWD" # relative test paths are the caller's, and so is the program
export CLUSTEROS_LAB_PROGRAM="${CLUSTEROS_LAB_PROGRAM:-$caller}"
cd "$LAB_ROOT"
# What a test's own `up` needs from outside the namespace (apt), as make up does it.
images/debian/build-base.sh >/dev/null
scripts/libvirtd.sh ensure >/dev/null
[ -z "${STACK:-}" ] || export CLUSTEROS_LAB_TEST_STACK="$STACK"
# Test files and directories, wherever they are (a ClusterOS repository's own tests): given by
# absolute path to the config (testing/vitest.config.ts, CLUSTEROS_LAB_TEST_FILES), which runs
# them instead of this project's; other arguments go to vitest as they are.
files=() args=()
for a in "$@"; do
  if [[ "$a" != -* ]] && [ -e "$(cd "$caller" && realpath -m "$a")" ]; then files+=("$(cd "$caller" && realpath "$a")"); else args+=("$a"); fi
done
if [ "${#files[@]}" -gt 0 ]; then export CLUSTEROS_LAB_TEST_FILES; CLUSTEROS_LAB_TEST_FILES="$(printf '%s\n' "${files[@]}")"; fi
# vitest as node resolves it from here: this project's, or the repository's that installed the package.
vitest="$(dirname "$(node -p 'require.resolve("vitest/package.json")')")/vitest.mjs"
lab_in_place node "$vitest" run --config "$(lab_ts testing/vitest.config.ts)" "${args[@]}"
