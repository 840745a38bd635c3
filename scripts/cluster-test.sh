#!/usr/bin/env bash
# cluster-test.sh [FILE...]: cluster tests written with clusteros-lab/testing (vitest, one
# file at a time), run where the nodes are reachable (scripts/lib/mode.sh). With STACK set,
# every test attaches to that running stack instead of bringing up its own
# (CLUSTEROS_LAB_TEST_STACK). JUNIT_XML=FILE writes a JUnit report.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
lab_load_env
cd "$LAB_ROOT"
# What a test's own `up` needs from outside the namespace (apt), as make up does it.
images/debian/build-base.sh >/dev/null
scripts/libvirtd.sh ensure >/dev/null
[ -z "${STACK:-}" ] || export CLUSTEROS_LAB_TEST_STACK="$STACK"
lab_in_place npx vitest run --config testing/vitest.config.ts "$@"
