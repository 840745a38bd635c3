#!/usr/bin/env bash
# bench.sh [all|p2|p6|p7]: what a ClusterOS Lab cluster costs (bench/bench.ts measures it and
# prints the table; the JSON goes to bench/results/<time>.json with a description of the
# machine). This script does what must be shell: the Debian base and, for a stack that runs
# upstream Kubernetes, its bundle (outside the namespace, where apt and the Go proxy
# answer), the libvirt daemon (the one running, or one of its own: tests/e2e/daemon.sh), and
# a stack with the ci settings on free ranges; it leaves nothing behind. Not part of the test command: `make bench` (all
# measures), `make bench ONLY=p2` (N=1 and N=3 from nothing, and the first boot against a
# bare Debian guest), `make bench ONLY=p6` (4 nodes, then an edit of the agent's source until
# every node runs it), or `make bench ONLY=p7` (a 3-node up from nothing and the checkpoint
# restore).
set -uo pipefail
. "$(dirname "$0")/../scripts/lib/common.sh"
. "$LAB_ROOT/tests/e2e/lib.sh"
. "$LAB_ROOT/tests/e2e/daemon.sh"
lab_load_env
cd "$LAB_ROOT" || exit 1

MEASURES="${1:-all}"
case "$MEASURES" in all | p2 | p6 | p7) ;; *) lab_die "bench.sh [all|p2|p6|p7]: no measure set '$1'" ;; esac
STACK="bench-$(date +%s)"
WORK="$(mktemp -d /tmp/clusteros-bench.XXXXXX)"
E2E_RESULTS=/dev/null
# shellcheck disable=SC2034 # set by record() in tests/e2e/lib.sh
FAILED=0
PROBE_FILE="$LAB_ROOT/images/common/provision/90-cleanup.sh"

cleanup() {
  # bench.ts changes this file for P1 and keeps the original here until it has put it back.
  [ -f "$WORK/probe.orig" ] && cp "$WORK/probe.orig" "$PROBE_FILE"
  in_host pulumi destroy --stack "$STACK" --yes --skip-preview >"$WORK/destroy.log" 2>&1 || tail -20 "$WORK/destroy.log"
  lab_stack_rm "$STACK"
  rm -f "Pulumi.$STACK.yaml"
  daemon_release
  rm -rf "$WORK"
}

trap cleanup EXIT
images/debian/build-base.sh >/dev/null || lab_die "the Debian base could not be built"
daemon_acquire "clab-bench-$$"
new_stack "$STACK" 1
kubernetes_bundle "$STACK"
in_host "${LAB_TS[@]}" "$LAB_ROOT/bench/bench.ts" "$STACK" "$MEASURES" "$WORK"
