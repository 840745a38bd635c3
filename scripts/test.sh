#!/usr/bin/env bash
# test.sh all|unit|e2e: the project's tests. Ends with one summary line,
# "<passed> passed, <failed> failed", counting unit tests and end-to-end checks.
# JUNIT_XML=FILE also writes both as a JUnit report (scripts/junit.ts) for CI systems.
set -uo pipefail
. "$(dirname "$0")/lib/common.sh"
lab_load_env
cd "$LAB_ROOT" || exit 1
what="${1:-all}"
results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
passed=0 failed=0

run_unit() {
  npx vitest run --reporter=default --reporter=json --outputFile="$results/unit.json"
  local rc=$?
  if [ -f "$results/unit.json" ]; then
    passed=$((passed + $(node -p "require('$results/unit.json').numPassedTests")))
    failed=$((failed + $(node -p "require('$results/unit.json').numFailedTests")))
  fi
  if [ $rc -ne 0 ] && [ ! -f "$results/unit.json" ]; then failed=$((failed + 1)); fi
}

run_e2e() {
  E2E_RESULTS="$results/e2e.txt" tests/e2e/e2e.sh
  local rc=$?
  touch "$results/e2e.txt"
  passed=$((passed + $(grep -c '^PASS' "$results/e2e.txt")))
  failed=$((failed + $(grep -c '^FAIL' "$results/e2e.txt")))
  # A run that died before recording its failure still fails.
  if [ $rc -ne 0 ] && ! grep -q '^FAIL' "$results/e2e.txt"; then failed=$((failed + 1)); fi
}

# Setup first (idempotent, seconds when warm): a failed setup is a failed run, still summarised.
if ! "$LAB_ROOT/scripts/setup.sh"; then
  echo "0 passed, 1 failed"
  exit 1
fi
lab_load_env

case "$what" in
  unit) run_unit ;;
  e2e) run_e2e ;;
  all) run_unit; run_e2e ;;
  *) echo "usage: $0 all|unit|e2e" >&2; exit 2 ;;
esac
if [ -n "${JUNIT_XML:-}" ]; then
  "${LAB_TS[@]}" "$LAB_ROOT/scripts/junit.ts" "$results/unit.json" "$results/e2e.txt" > "$JUNIT_XML" \
    || { echo "the JUnit report $JUNIT_XML could not be written"; failed=$((failed + 1)); }
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
