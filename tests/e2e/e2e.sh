#!/usr/bin/env bash
# End-to-end test: a real 3-node cluster from the ci stack's settings, built with Packer,
# checked from outside (over SSH, through the test API: tests/cluster/, api_checks in lib.sh),
# scaled to 4 and back, destroyed. Uses the libvirt daemon that runs (or starts one in a
# namespace of its own, tests/e2e/daemon.sh), runs the lab in host mode where that daemon is
# and in namespace mode from outside, with another stack up beside it all along; leaves
# nothing behind, pass or fail.
# Each check prints PASS/FAIL with the node and what failed; results go to $E2E_RESULTS.
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib/common.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/install.sh"
. "$(dirname "$0")/checkpoint.sh"
. "$(dirname "$0")/kubernetes.sh"
lab_load_env
cd "$LAB_ROOT" || exit 1
# Every make up of the test waits for Kubernetes too, whose control plane takes minutes
# under TCG on this 2-core machine: 15 minutes instead of make up's 10.
export CLUSTEROS_LAB_READY_SECONDS="${CLUSTEROS_LAB_READY_SECONDS:-900}"

RUN_ID="$(date +%s)-$$"
STACK="e2e-$RUN_ID"
BYSTANDER="$STACK-b"
OWN="$STACK-own" # the test API's own stack (own_stack_checks)
E2E_RESULTS="${E2E_RESULTS:-/dev/null}"
WORK="$(mktemp -d /tmp/clusteros-e2e.XXXXXX)"
KEEP="$LAB_STATE/e2e-failures/$RUN_ID"
KEY="$WORK/id"
FAILED=0
PREFIX="clusteros-lab-$STACK"
# Domains of other stacks running on the daemon before the test, "name id" per line: they
# must run untouched, with the same domain id (no restart), when the test ends.
OTHERS_BEFORE=""

cleanup() {
  local rc=$?
  if [ "$FAILED" -ne 0 ] || [ $rc -ne 0 ]; then
    mkdir -p "$KEEP"
    cp /var/log/libvirt/qemu/"$PREFIX"-node-*-serial.log /var/log/libvirt/qemu/"$PREFIX"-b-node-*-serial.log "$KEEP/" 2>/dev/null || true
    cp "$WORK"/*.log "$KEEP/" 2>/dev/null || true
    echo "e2e: FAILED; serial and pulumi logs kept in $KEEP"
  fi
  phase "destroy"
  destroy_stack "$STACK"
  [ -z "$OTHERS_BEFORE" ] || others_untouched_checks
  destroy_stack "$BYSTANDER"
  destroy_stack "$OWN" # only when its own test could not
  phase_end
  leak_checks "$STACK" "$BYSTANDER"
  rm -f "Pulumi.$STACK.yaml" "Pulumi.$BYSTANDER.yaml" "Pulumi.$OWN.yaml" /var/log/libvirt/qemu/"$PREFIX"-node-* /var/log/libvirt/qemu/"$PREFIX"-b-node-*
  if [ -n "${DAEMON_PID:-}" ]; then
    check "the libvirt daemon is the one the test started with (pid $DAEMON_PID)" \
      test "$(lab_fact_daemon_pid)" = "$DAEMON_PID"
    daemon_release || record FAIL "namespace $HOSTNS still exists after the test stopped the daemon it started"
    check "no network namespace was left or removed by the test" \
      test "$(netns_names)" = "$NETNS_BEFORE"
  fi
  rm -rf "$WORK"
  print_phases
  [ "$FAILED" -eq 0 ] && [ $rc -eq 0 ]
}
trap 'cleanup; exit $?' EXIT
trap 'exit 130' INT TERM

destroy_stack() {
  pulumi stack ls --json 2>/dev/null | grep -q "\"$1\"" || return 0
  in_host pulumi destroy --stack "$1" --yes --skip-preview >"$WORK/destroy-$1.log" 2>&1 \
    || { echo "e2e: destroy of $1 failed, see $KEEP/destroy-$1.log"; mkdir -p "$KEEP"; cp "$WORK/destroy-$1.log" "$KEEP/"; }
  lab_stack_rm "$1"
}

running_domains() { # "name id" of every running domain but the test stack's own (the bystander's count)
  virsh -c qemu:///system list --name | grep -v -e '^$' -e "^$PREFIX-node-" \
    | while read -r d; do echo "$d $(virsh -c qemu:///system domid "$d" 2>/dev/null)"; done
}

others_untouched_checks() {
  local name id
  while read -r name id; do
    check "another stack's domain $name still runs, not restarted (id $id)" \
      test "$(virsh -c qemu:///system domid "$name" 2>/dev/null)" = "$id"
  done <<<"$OTHERS_BEFORE"
}

# The test is one function, read completely before it runs (editing this file during a
# run cannot change the run).
main() {
  # --- setup -------------------------------------------------------------------------
  phase "setup"
  images/debian/build-base.sh >/dev/null || die "the Debian base could not be built (apt)"
  if [ -z "$(lab_fact_daemon_pid)" ]; then failed_start_checks "clab-fail-$$"; fi
  daemon_acquire "clab-e2e-$$"
  OTHERS_BEFORE="$(running_domains)"
  new_stack "$STACK" 3
  kubernetes_bundle "$STACK"
  bare_metal_config "$STACK"
  phase_end
  mode_checks

  # --- up: image build, nodes, readiness -----------------------------------------------
  phase "up (image build + nodes + ready)"
  in_host scripts/up.sh "$STACK" >"$WORK/up.log" 2>&1
  check "make up's script creates the cluster" test $? -eq 0 || { tail -40 "$WORK/up.log"; exit 1; }
  phase_end
  check "up says it runs in host mode where the system daemon runs" grep -q "host mode: the libvirt daemon (pid $DAEMON_PID) runs here" "$WORK/up.log"
  report_image_build "$WORK/up.log"

  pulumi stack output --stack "$STACK" automationPrivateKey --show-secrets > "$KEY" && chmod 600 "$KEY"
  read_ips
  # shellcheck disable=SC2034 # used by on() in lib.sh
  USER_NAME="$(pulumi stack output --stack "$STACK" adminUser)"

  firmware_boot_checks "$STACK" 1 bios
  check "stack outputs show no secret in plaintext" \
    bash -c "! pulumi stack output --stack '$STACK' --json | grep -q 'PRIVATE KEY'"

  phase "checks (3 nodes)"
  cluster_checks 3
  phase_end

  phase "kubernetes workloads (3 nodes)"
  kubernetes_checks 3
  phase_end

  phase "partition node 3 from nodes 1 and 2, then heal"
  api_checks tests/cluster/partition.test.ts
  phase_end

  phase "checkpoint: save, break, restore"
  api_checks tests/cluster/checkpoint.test.ts
  phase_end

  phase "host and namespace mode"
  host_mode_checks
  namespace_mode_checks
  phase_end

  # --- a second stack on the same daemon, up for the rest of the test ------------------
  if [ -z "$OTHERS_BEFORE" ]; then
    phase "second stack (1 node) beside it"
    new_stack "$BYSTANDER" 1
    pulumi config set --stack "$BYSTANDER" firmware uefi >/dev/null
    in_host pulumi up --stack "$BYSTANDER" --yes --skip-preview >"$WORK/bystander.log" 2>&1
    check "a second stack comes up beside the first" test $? -eq 0 || tail -30 "$WORK/bystander.log"
    firmware_boot_checks "$BYSTANDER" 1 uefi
    OTHERS_BEFORE="$(running_domains)"
    phase_end
  fi
  phase "nodeCidr collision caught at preview"
  collision_checks
  phase_end

  phase "documented commands"
  docs_checks
  phase_end

  phase "the test API's own up and destroy (1 node)"
  own_stack_checks "$OWN"
  phase_end

  phase "preview --expect-no-changes"
  check "pulumi preview after up shows no changes" \
    quietly "$WORK/preview.log" in_host pulumi preview --stack "$STACK" --expect-no-changes || tail -30 "$WORK/preview.log"
  phase_end

  # --- scale out to 4, with pulumi killed halfway --------------------------------------
  phase "scale out 3 -> 4, kill -9 during membership"
  pulumi config set --stack "$STACK" nodeCount 4 >/dev/null
  kill_up_during "node-4-membership creating" "$WORK/scale-out-killed.log"
  phase_end
  phase "one make up after the kill"
  in_host scripts/up.sh "$STACK" >"$WORK/scale-out.log" 2>&1
  check "after kill -9 of pulumi up during membership, one make up converges to 4 healthy nodes" test $? -eq 0 \
    || { tail -40 "$WORK/scale-out.log"; exit 1; }
  phase_end
  check "that make up said it cleared the dead run's lock" grep -q "which no longer runs (an interrupted up): clearing its lock" "$WORK/scale-out.log"
  check_last_update_changes "scale out" "create" "replace,delete"
  check "scale out does not run Packer" bash -c "! grep -q 'packer build' '$WORK/scale-out.log' '$WORK/scale-out-killed.log'"
  check "a plain pulumi up afterwards has nothing left to do (no pending operations)" \
    quietly "$WORK/after-kill.log" in_host pulumi up --stack "$STACK" --yes --skip-preview --expect-no-changes \
    || tail -20 "$WORK/after-kill.log"
  read_ips
  phase "checks (4 nodes)"
  cluster_checks 4
  checkpoint_refused_checks 4
  phase_end

  # --- scale in to 3 -------------------------------------------------------------------
  phase "scale in 4 -> 3"
  pulumi config set --stack "$STACK" nodeCount 3 >/dev/null
  in_host pulumi up --stack "$STACK" --yes --skip-preview >"$WORK/scale-in.log" 2>&1
  check "pulumi up back to 3 nodes" test $? -eq 0 || { tail -40 "$WORK/scale-in.log"; exit 1; }
  phase_end
  check_last_update_changes "scale in" "delete" "replace"
  check "node 4's domain is gone" bash -c "! virsh -c qemu:///system list --all --name | grep -qx '$PREFIX-node-4'"
  IPS=("${IPS[@]:0:3}")
  phase "checks (back to 3 nodes)"
  cluster_checks 3
  phase_end

  checkpoint_rm_checks

  # --- drift: node 2 crashed, node 3 undefined, one make up ----------------------------
  phase "broken cluster: status, then one make up repairs it"
  api_checks tests/cluster/repair.test.ts
  phase_end
  phase "checks after the repair"
  cluster_checks 3
  phase_end

  phase "5 refreshes in a row"
  refresh_checks 5
  phase_end
  # Destroy (in cleanup) must remove a stack that still holds a checkpoint.
  check "a checkpoint saved before destroy" quietly "$WORK/final-checkpoint.log" lab_on_stack checkpoint save final
  secrets_at_rest_checks

  # --- the same image on "bare metal": the installer in plain VMs ----------------------
  phase "installer: make usb, refusal, unattended install, boot from disk"
  install_checks
  phase_end

  exit "$FAILED"
}

main
