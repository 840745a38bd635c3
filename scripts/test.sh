#!/usr/bin/env bash
# test.sh all|unit|e2e|kubernetes: the project's tests. Ends with one summary line,
# "<passed> passed, <failed> failed", counting unit tests and end-to-end checks.
# e2e runs the end-to-end test (tests/e2e/e2e.sh, one host and then two), then the
# Kubernetes one (tests/e2e/kubernetes.sh); kubernetes runs that one alone.
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
    passed=$((passed + $(jq .numPassedTests "$results/unit.json")))
    failed=$((failed + $(jq .numFailedTests "$results/unit.json")))
  fi
  if [ $rc -ne 0 ] && [ ! -f "$results/unit.json" ]; then failed=$((failed + 1)); fi
}

# run_e2e SCRIPT: one end-to-end script; its checks go to e2e.txt, after any earlier script's.
run_e2e() {
  local own; own="$results/run-$(basename "$1" .sh).txt"
  E2E_RESULTS="$own" "$1"
  local rc=$?
  touch "$own"
  # A run that died before recording its failure still fails, and says so.
  if [ $rc -ne 0 ] && ! grep -q '^FAIL' "$own"; then
    printf 'FAIL\tend\t0\t%s ended with exit status %s before recording a failed check\n' "$1" "$rc" >> "$own"
  fi
  passed=$((passed + $(grep -c '^PASS' "$own")))
  failed=$((failed + $(grep -c '^FAIL' "$own")))
  cat "$own" >> "$results/e2e.txt"
}

# Setup first (idempotent, seconds when warm): a failed setup is a failed run, still summarised.
if ! "$LAB_ROOT/scripts/setup.sh"; then
  echo "0 passed, 1 failed"
  exit 1
fi
lab_load_env

# What a killed earlier run left (lab/sweep.ts), before any e2e script runs.
sweep() { "$LAB_ROOT/scripts/lab.sh" sweep || echo "sweep: failed; the e2e runs all the same"; }

case "$what" in
  unit) run_unit ;;
  e2e) sweep; run_e2e tests/e2e/e2e.sh; run_e2e tests/e2e/kubernetes.sh ;;
  kubernetes) sweep; run_e2e tests/e2e/kubernetes.sh ;;
  all) sweep; run_unit; run_e2e tests/e2e/e2e.sh; run_e2e tests/e2e/kubernetes.sh ;;
  *) echo "usage: $0 all|unit|e2e|kubernetes" >&2; exit 2 ;;
esac
if [ -n "${JUNIT_XML:-}" ]; then
  "${LAB_TS[@]}" "$LAB_ROOT/scripts/junit.ts" "$results/unit.json" "$results/e2e.txt" > "$JUNIT_XML" \
    || { echo "the JUnit report $JUNIT_XML could not be written"; failed=$((failed + 1)); }
fi
# What failed, named again just above the summary: CI keeps only the tail of the log.
if [ "$failed" -ne 0 ]; then
  echo "=== failed"
  [ ! -f "$results/unit.json" ] || jq -r '.testResults[] | .name as $f | .assertionResults[]
    | select(.status == "failed") | "unit: \($f | sub(".*/tests/"; "tests/")): \(.fullName)"' "$results/unit.json"
  [ ! -f "$results/e2e.txt" ] || awk -F'\t' '$1 == "FAIL" { print "e2e: " $2 ": " $4 }' "$results/e2e.txt"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
