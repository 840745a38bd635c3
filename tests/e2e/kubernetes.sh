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

e2e_run_start k8s
# new_stack (lib.sh) gives the stack this distribution and the server's memory rule's 2 GiB.
# shellcheck disable=SC2034
E2E_KUBERNETES=upstream

cleanup() {
  local rc=$?
  keep_logs_on_failure "$rc" "Kubernetes e2e" /var/log/libvirt/qemu/"$PREFIX"-node-*-serial.log
  phase "kubernetes destroy"
  destroy_stack "$STACK" "pulumi destroy removes the Kubernetes stack"
  phase_end
  [ -z "${DAEMON_PID:-}" ] || E2E_LEAK_STACKS="$STACK" e2e_run tests/e2e/leaks.test.ts
  rm -f "Pulumi.$STACK.yaml" /var/log/libvirt/qemu/"$PREFIX"-node-*
  e2e_run_end "$rc" "the Kubernetes test"
}
trap 'cleanup; exit $?' EXIT
trap 'exit 130' INT TERM

main() {
  phase "kubernetes setup"
  e2e_base || die "the Debian base could not be built (apt)"
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
