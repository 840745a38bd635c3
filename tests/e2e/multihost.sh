#!/usr/bin/env bash
# Multi-host end-to-end test (docs/MULTI_HOST.md): one stack with 3 nodes on 2 libvirt
# hosts. The first host is the daemon the e2e uses (tests/e2e/daemon.sh); the second is
# simulated on this machine (tests/e2e/second-host.sh says how, and what that does not
# cover), joined to the first by a veth pair that plays the LAN, each routing the other's
# node range over it as an administrator would. Checks the WireGuard mesh, munge and
# `srun -N3` across the hosts, that SLURM talks over wg0, and that `lab status` names a
# host whose daemon stops while still reporting the other's nodes; that a node whose start
# failed on the second host is cleared by one make up. Leaves nothing behind.
# The checks are vitest tests (tests/e2e/multihost-*.test.ts, tests/cluster/checks.test.ts);
# this script makes the second host and its LAN, stops and starts its daemon, and orders the
# phases.
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib/common.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/second-host.sh"
lab_load_env
cd "$LAB_ROOT" || exit 1

e2e_run_start mh
H2=h2

cleanup() {
  local rc=$?
  keep_logs_on_failure "$rc" "multi-host e2e" /var/log/libvirt/qemu/"$PREFIX"-node-*-serial.log "${H2_DIR:-/nonexistent}"/log/qemu/"$PREFIX"-node-*-serial.log
  phase "multi-host destroy"
  # A daemon the test stopped is started again: destroy needs every host.
  [ -z "${H2_URI:-}" ] || virsh -c "$H2_URI" version >/dev/null 2>&1 || second_host_libvirtd_start >/dev/null
  destroy_stack "$STACK" "pulumi destroy removes the stack from both hosts"
  phase_end
  [ -z "${H2_URI:-}" ] || E2E_LEAK_STACKS="$STACK" e2e_run tests/e2e/leaks.test.ts
  second_host_stop
  rm -f "Pulumi.$STACK.yaml" /var/log/libvirt/qemu/"$PREFIX"-node-*
  e2e_run_end "$rc" "the multi-host test"
}
trap 'cleanup; exit $?' EXIT
trap 'exit 130' INT TERM

main() {
  phase "multi-host setup"
  e2e_base || die "the Debian base could not be built (apt)"
  daemon_acquire "clab-mh-$$"
  new_stack "$STACK" 3
  take_ranges 2 # the second host's nodes, and the LAN between the hosts
  H2_CIDR="${RANGES[0]}"
  second_host_start "clab-h2-$$" "$WORK/h2" "$HOSTNS" "${RANGES[1]}" || die "the second host did not start"
  pulumi config set --stack "$STACK" --path "hosts.$H2.libvirtUri" "$H2_URI" >/dev/null
  pulumi config set --stack "$STACK" --path "hosts.$H2.nodeCidr" "$H2_CIDR" >/dev/null
  pulumi config set --stack "$STACK" --path "hosts.$H2.nodes[0]" 3 >/dev/null
  # Each host routes the other's node range over the LAN (docs/MULTI_HOST.md, "Routes").
  first_host ip route add "$H2_CIDR" via "$H2_LAN_B" || die "route to $H2_CIDR on the main host"
  ip netns exec "$H2_NS" ip route add "$(pulumi config get --stack "$STACK" nodeCidr)" via "$H2_LAN_A" \
    || die "route to the main host's range on host $H2"
  phase_end

  # The second host, for the tests (tests/e2e/multihost.ts).
  export E2E_H2="$H2" E2E_H2_URI="$H2_URI" E2E_H2_CIDR="$H2_CIDR" E2E_H2_DIR="$H2_DIR"

  phase "multi-host up (3 nodes, 2 hosts)"
  E2E_UP_STACK="$STACK" e2e_run tests/e2e/up.test.ts || exit 1
  phase_end

  phase "multi-host checks"
  e2e_run tests/e2e/multihost-placement.test.ts
  api_checks tests/cluster/checks.test.ts
  phase_end

  phase "node 4 fails to start on host $H2, then one make up"
  e2e_run tests/e2e/multihost-failed-start.test.ts
  api_checks tests/cluster/checks.test.ts
  phase_end

  phase "scale in 4 -> 3 across hosts"
  e2e_run tests/e2e/multihost-scale-in.test.ts
  phase_end

  phase "a host's daemon stops"
  second_host_libvirtd_stop
  e2e_run tests/e2e/multihost-host-down.test.ts
  second_host_libvirtd_start || die "the second host's libvirtd did not start again"
  # Healthy again once its daemon answers (its node ran on), each node on its host.
  e2e_run tests/e2e/multihost-placement.test.ts
  phase_end
}

main
