#!/usr/bin/env bash
# cluster-test.sh [FILE|DIR...] [VITEST ARGS...]: cluster tests written with
# clusteros-lab/testing (vitest, one file at a time), run where the nodes are reachable
# (lab/mode.ts). FILEs and DIRs may be anywhere; without them, this project's. With STACK set,
# every test attaches to that running stack instead of bringing up its own
# (CLUSTEROS_LAB_TEST_STACK). JUNIT_XML=FILE writes a JUnit report.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
lab_load_env
caller="$PWD" # relative test paths are the caller's
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
lab_in_place npx vitest run --config testing/vitest.config.ts "${args[@]}"
