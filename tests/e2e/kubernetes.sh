#!/usr/bin/env bash
# Kubernetes end-to-end test (docs/VM_TESTING.md, "Testing Kubernetes"): a 2-node stack with
# the ci stack's settings and upstream Kubernetes (the bundle make kubernetes builds from the
# Go module proxy, baked into the image: nothing is pulled), 2 vCPUs and 2 GiB per node, what
# the control plane needs under TCG on a 2-core machine. make up returns once every node is
# Ready; then the cluster checks (tests/cluster/checks.test.ts, Kubernetes readiness
# included) and the seed's promises (tests/cluster/kubernetes.test.ts: a pod per node,
# pod-to-pod over the mesh, a ClusterIP Service, a DaemonSet, a StatefulSet's stable name,
# clean kubelet logs), and the docs' Kubernetes commands (<!-- e2e kubernetes -->).
# It runs after the other e2e scripts, alone on the machine, so the
# control plane does not share two TCG cores with another cluster. Leaves nothing behind.
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib/common.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
lab_load_env
cd "$LAB_ROOT" || exit 1
export CLUSTEROS_LAB_READY_SECONDS="${CLUSTEROS_LAB_READY_SECONDS:-900}"

RUN_ID="$(date +%s)-$$"
STACK="k8s-$RUN_ID"
E2E_RESULTS="${E2E_RESULTS:-/dev/null}"
WORK="$(mktemp -d /tmp/clusteros-k8s.XXXXXX)"
KEEP="$LAB_STATE/e2e-failures/$RUN_ID"
FAILED=0
PREFIX="clusteros-lab-$STACK"
# new_stack (lib.sh) gives the stack this distribution and the server's memory rule's 2 GiB.
# shellcheck disable=SC2034
E2E_KUBERNETES=upstream

cleanup() {
  local rc=$?
  if [ "$FAILED" -ne 0 ] || [ $rc -ne 0 ]; then
    mkdir -p "$KEEP"
    cp /var/log/libvirt/qemu/"$PREFIX"-node-*-serial.log "$WORK"/*.log "$KEEP/" 2>/dev/null || true
    echo "Kubernetes e2e: FAILED; serial and pulumi logs kept in $KEEP"
  fi
  phase "kubernetes destroy"
  if pulumi stack ls --json 2>/dev/null | grep -q "\"$STACK\""; then
    in_host pulumi destroy --stack "$STACK" --yes --skip-preview >"$WORK/destroy.log" 2>&1
    check "pulumi destroy removes the Kubernetes stack" test $? -eq 0 || tail -20 "$WORK/destroy.log"
    lab_stack_rm "$STACK"
  fi
  phase_end
  [ -z "${DAEMON_PID:-}" ] || E2E_LEAK_STACKS="$STACK" e2e_run tests/e2e/leaks.test.ts
  rm -f "Pulumi.$STACK.yaml" /var/log/libvirt/qemu/"$PREFIX"-node-*
  if [ -n "${DAEMON_PID:-}" ]; then
    daemon_release || record FAIL "namespace $HOSTNS still exists after the test stopped the daemon it started"
    check "no network namespace was left or removed by the Kubernetes test" test "$(netns_names)" = "$NETNS_BEFORE"
  fi
  rm -rf "$WORK"
  print_phases
  [ "$FAILED" -eq 0 ] && [ $rc -eq 0 ]
}
trap 'cleanup; exit $?' EXIT
trap 'exit 130' INT TERM

main() {
  phase "kubernetes setup"
  images/debian/build-base.sh >/dev/null || die "the Debian base could not be built (apt)"
  daemon_acquire "clab-k8s-$$"
  new_stack "$STACK" 2
  pulumi config set --stack "$STACK" nodeVcpus 2 >/dev/null
  kubernetes_bundle "$STACK"
  phase_end

  phase "kubernetes up (image with the bundle, 2 nodes, Ready)"
  e2e_run tests/e2e/up.test.ts || exit 1
  phase_end
  report_image_build "$WORK/up-$STACK.log"

  phase "kubernetes: cluster checks (2 nodes)"
  cluster_checks
  phase_end

  phase "kubernetes workloads (2 nodes)"
  api_checks tests/cluster/kubernetes.test.ts
  phase_end

  phase "kubernetes: documented commands"
  E2E_DOCS=kubernetes e2e_run tests/e2e/docs.test.ts
  phase_end
}

main
