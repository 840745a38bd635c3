#!/usr/bin/env bash
# End-to-end test: a real 3-node cluster from the ci stack's settings, built with Packer,
# checked from outside, scaled to 4, then to 5 across two hosts, and back, broken and
# repaired, installed on "bare metal", destroyed. Every check is a vitest test: the e2e's
# own (tests/e2e/*.test.ts, e2e_run) and the cluster tests written on the test API
# (tests/cluster/, api_checks). This script keeps what must be shell: the libvirt daemon
# and its namespace (it uses the daemon that runs, or starts one in a namespace of its own,
# tests/e2e/daemon.sh), the stacks' settings, the order of the phases and their durations.
# The lab runs in host mode where that daemon is and in namespace mode from outside, with
# another stack up beside it all along (paused while the installer's machines and the agent's
# nodes run); nothing is left behind, pass or fail.
# After scaling out to 4 it adds node 5 on a second host, simulated on this machine
# (lab/second-host.ts says how, and what that does not cover), joined to the first by a
# veth pair that plays the LAN, each routing the other's node range over it as an
# administrator would (docs/MULTI_HOST.md): the mesh, munge and SLURM across the hosts, a
# node whose start failed there, a host whose daemon stops, and the host dropped again.
# Each check is recorded as PASS/FAIL/SKIP with its phase in $E2E_RESULTS (scripts/test.ts).
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib/common.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
lab_load_env
cd "$LAB_ROOT" || exit 1
# With E2E_KUBERNETES, every make up waits for Kubernetes too, whose control plane takes
# minutes under TCG on this 2-core machine: 15 minutes instead of make up's 10.
[ -z "${E2E_KUBERNETES:-}" ] || export CLUSTEROS_LAB_READY_SECONDS="${CLUSTEROS_LAB_READY_SECONDS:-900}"

e2e_run_start e2e
BYSTANDER="$STACK-b"
OWN="$STACK-own" # the test API's own stack (own_stack_checks)
REPO="$STACK-repo" # the stack of a ClusterOS repository's own program (repository_checks)
AGENT="$STACK-agent" # membership=agent, the reference agent (tests/e2e/agent.test.ts)
H2=h2 # the second host's name in the stack's config (hosts.h2)
# Domains of other stacks running on the daemon before the test, "name id" per line: they
# must run untouched, with the same domain id (no restart), when the test ends.
OTHERS_BEFORE=""

cleanup() {
  local rc=$?
  stop_beside # a run that ends early: what ran beside stops before its stacks go
  keep_logs_on_failure "$rc" e2e /var/log/libvirt/qemu/"$PREFIX"-node-*-serial.log /var/log/libvirt/qemu/"$PREFIX"-b-node-*-serial.log \
    "${H2_DIR:-/nonexistent}"/log/qemu/"$PREFIX"-node-*-serial.log
  phase "destroy"
  # A second host's daemon the test stopped is started again: destroy needs every host.
  [ -z "${H2_URI:-}" ] || virsh -c "$H2_URI" version >/dev/null 2>&1 || second_host daemon-start >/dev/null
  destroy_stack "$STACK"
  resume_bystander # paused by a run that ended in the installer's or the agent's phase
  # Other stacks' domains (the bystander's among them) still run, as before this destroy.
  [ -z "$OTHERS_BEFORE" ] || E2E_OTHERS_BEFORE="$OTHERS_BEFORE" e2e_run tests/e2e/leaks.test.ts
  destroy_stack "$BYSTANDER"
  destroy_stack "$OWN" # only when its own test could not
  destroy_stack "$AGENT" # likewise
  phase_end
  [ -z "${DAEMON_PID:-}" ] || E2E_LEAK_STACKS="$STACK $BYSTANDER $AGENT" e2e_run tests/e2e/leaks.test.ts
  [ ! -f "${H2_DIR:-/nonexistent}/host.json" ] || second_host stop
  rm -f "Pulumi.$STACK.yaml" "Pulumi.$BYSTANDER.yaml" "Pulumi.$OWN.yaml" /var/log/libvirt/qemu/"$PREFIX"-node-* /var/log/libvirt/qemu/"$PREFIX"-b-node-*
  [ -z "${DAEMON_PID:-}" ] || check "the libvirt daemon is the one the test started with (pid $DAEMON_PID)" \
    test "$(lab_fact_daemon_pid)" = "$DAEMON_PID"
  e2e_run_end "$rc" "the test"
}
trap 'cleanup; exit $?' EXIT
trap 'exit 130' INT TERM

own_domains() { virsh -c qemu:///system list --name | grep "^$PREFIX-node-"; }
bystander_domains() { virsh -c qemu:///system list --name | grep "^$PREFIX-b-node-"; }
resume_bystander() { bystander_domains | while read -r d; do virsh -c qemu:///system resume "$d" >/dev/null 2>&1; done; }
running_domains() { # "name id" of every running domain but the test stack's own (the bystander's count)
  virsh -c qemu:///system list --name | grep -v -e '^$' -e "^$PREFIX-node-" \
    | while read -r d; do echo "$d $(virsh -c qemu:///system domid "$d" 2>/dev/null)"; done
}

# second_host ACTION [OPTIONS]: the simulated second host in WORK/h2 (lab second-host,
# lab/second-host.ts, which says how it stands for a host and what it does not cover).
second_host() { scripts/lab.sh second-host "$1" --dir "$H2_DIR" "${@:2}"; }

# second_host_join: the second host on two more free ranges (its nodes', the LAN's), each host
# routing the other's node range over the LAN; exported for the tests (tests/e2e/multihost.ts).
# Sets H2_NS, H2_URI, H2_FIRST_NS, H2_LAN_A, H2_LAN_B (lab second-host start prints them).
second_host_join() {
  take_ranges 2
  H2_CIDR="${RANGES[0]}" H2_DIR="$WORK/h2"
  local facts
  facts="$(second_host start --netns "clab-h2-$$" --first-netns "$HOSTNS" --lan "${RANGES[1]}")" || return 1
  eval "$facts"
  if [ -n "$H2_FIRST_NS" ]; then ip netns exec "$H2_FIRST_NS" ip route add "$H2_CIDR" via "$H2_LAN_B" || return 1
  else ip route add "$H2_CIDR" via "$H2_LAN_B" || return 1; fi
  ip netns exec "$H2_NS" ip route add "$(pulumi config get --stack "$STACK" nodeCidr)" via "$H2_LAN_A" || return 1
  export E2E_H2="$H2" E2E_H2_URI="$H2_URI" E2E_H2_CIDR="$H2_CIDR" E2E_H2_DIR="$H2_DIR"
}

# normal_user_checks NODE_CIDR WG_CIDR: a user in the libvirt group, without sudo
# (tests/e2e/normal-user.test.ts), their 1-node cluster on those ranges.
normal_user_checks() {
  E2E_NORMAL_USER=1 E2E_USER_NODE_CIDR="$1" E2E_USER_WG_CIDR="$2" E2E_EXTRA_PACKAGES="$E2E_EXTRA_PACKAGES" \
    e2e_run tests/e2e/normal-user.test.ts
}

# The test is one function, read completely before it runs (editing this file during a
# run cannot change the run).
main() {
  # --- setup -------------------------------------------------------------------------
  phase "setup"
  e2e_base || die "the Debian base could not be built (apt)"
  AGENT_BINARY="$(examples/serf-agent/build.sh)" || die "the reference node agent could not be built (apt: serf)"
  if [ -z "$(lab_fact_daemon_pid)" ]; then E2E_FAIL_NETNS="clab-fail-$$" e2e_run tests/e2e/failed-start.test.ts; fi
  daemon_acquire "clab-e2e-$$"
  OTHERS_BEFORE="$(running_domains)"
  new_stack "$STACK" 3
  # Routed from the start: node 5 goes on a second host later, and libvirt cannot switch the
  # main host's running network from NAT (docs/MULTI_HOST.md).
  pulumi config set --stack "$STACK" networkMode route >/dev/null
  kubernetes_bundle "$STACK"
  bare_metal_config "$STACK"
  phase_end

  # --- up: image build, nodes, readiness -----------------------------------------------
  phase "up (image build + nodes + ready)"
  e2e_run tests/e2e/up.test.ts || exit 1
  phase_end
  report_image_build "$WORK/up-$STACK.log"
  E2E_FIRMWARE=bios e2e_run tests/e2e/firmware.test.ts

  phase "checks (3 nodes)"
  cluster_checks
  phase_end

  # Kubernetes (E2E_KUBERNETES=upstream|k3s; the ci stack's is off, and the Kubernetes e2e,
  # tests/e2e/kubernetes.sh, runs upstream on a 2-node stack of its own).
  if [ "$(kubernetes_of "$STACK")" != off ]; then
    phase "kubernetes workloads (3 nodes)"
    api_checks tests/cluster/kubernetes.test.ts
    phase_end
  fi

  phase "faults from the host: a paused controller, a clock an hour ahead, a strobed clock, a lossy link, a delayed node, each healed"
  api_checks tests/cluster/host-faults.test.ts
  phase_end

  # The test API's own stack and a ClusterOS repository's, 1 node each, boot beside the four
  # phases below, which mostly wait on SLURM's and the mesh's timers while the cores idle. (The
  # host faults above measure round trips, which boots beside would disturb; they run alone.)
  take_ranges 4
  phase "partition node 3 from nodes 1 and 2, then heal; beside it and the next three phases, the test API's own up (1 node) after an interrupted up, and its destroy, and a ClusterOS repository (1 node): make pack, npm install, npx lab setup, up, its own test, an agent edit live"
  beside repository repository_checks "$REPO" "${RANGES[2]}" "${RANGES[3]}"
  beside own-stack own_stack_checks "$OWN" "${RANGES[0]}" "${RANGES[1]}"
  api_checks tests/cluster/partition.test.ts
  phase_end

  phase "slurmd over a failed scope, then killed: it recovers by itself"
  api_checks tests/cluster/slurmd-recovery.test.ts
  phase_end

  phase "checkpoint: save, break, restore"
  api_checks tests/cluster/checkpoint.test.ts
  phase_end

  phase "disk faults from the host: a full disk, failing writes; healed, restored"
  api_checks tests/cluster/disk-faults.test.ts
  phase_end
  phase "the test API's own stack and the repository's, beside the faults: joined"
  join_beside
  phase_end

  phase "host and namespace mode"
  e2e_run tests/e2e/host-and-namespace.test.ts
  phase_end

  # --- a user's own cluster; beside it, a second stack on the same daemon, up for the rest --
  # of the test. The two 1-node clusters boot side by side (beside, lib.sh), and the docs'
  # commands run on the main stack meanwhile: they mostly wait on the host's own processes,
  # as the two clusters' later steps wait on their nodes, each leaving a core idle.
  take_ranges 2
  if [ -z "$OTHERS_BEFORE" ]; then
    phase "a user in the libvirt group, without sudo: sudo make setup, make up, the lab's commands, make down; beside it, a second stack (1 node, UEFI): make image, make up, make stop, make start, a checkpoint; and the documented commands"
    beside normal-user normal_user_checks "${RANGES[@]}"
    beside docs e2e_run tests/e2e/docs.test.ts
    new_stack "$BYSTANDER" 1
    pulumi config set --stack "$BYSTANDER" firmware uefi >/dev/null
    E2E_IMAGE_STACK="$BYSTANDER" e2e_run tests/e2e/image.test.ts
    E2E_UP_STACK="$BYSTANDER" e2e_run tests/e2e/up.test.ts \
      && E2E_FIRMWARE_STACK="$BYSTANDER" E2E_FIRMWARE=uefi e2e_run tests/e2e/firmware.test.ts \
      && E2E_POWER_STACK="$BYSTANDER" e2e_run tests/e2e/stop-start.test.ts \
      && E2E_CHECKPOINT_STACK="$BYSTANDER" e2e_run tests/e2e/uefi-checkpoint.test.ts
    join_beside
    OTHERS_BEFORE="$(running_domains)"
    phase_end
  else
    phase "a user in the libvirt group, without sudo: sudo make setup, make up, the lab's commands, make down; and the documented commands"
    beside docs e2e_run tests/e2e/docs.test.ts
    normal_user_checks "${RANGES[@]}"
    join_beside
    phase_end
  fi
  phase "nodeCidr collision caught at preview; an agent source that does not build"
  e2e_run tests/e2e/collision.test.ts
  e2e_run tests/e2e/agent-source.test.ts
  phase_end

  phase "preview --expect-no-changes"
  e2e_run tests/e2e/preview.test.ts
  phase_end

  # --- scale out to 4, with pulumi killed halfway, then one make up --------------------
  phase "scale out 3 -> 4, kill -9, make up"
  e2e_run tests/e2e/scale-out.test.ts || exit 1
  phase_end
  phase "partition shapes on 4 nodes: a ring, a minority, healed"
  api_checks tests/cluster/partition-shapes.test.ts
  phase_end

  # --- node 5 on a second host: a failed start there, checks across hosts, its daemon down --
  phase "node 5 fails to start on a second host ($H2), then one make up"
  second_host_join || die "the second host did not start"
  e2e_run tests/e2e/multihost-failed-start.test.ts
  phase_end
  phase "checks (5 nodes on 2 hosts)"
  e2e_run tests/e2e/multihost-placement.test.ts
  cluster_checks
  phase_end
  phase "host $H2's daemon stops, then starts again"
  second_host daemon-stop
  e2e_run tests/e2e/multihost-host-down.test.ts
  second_host daemon-start || die "the second host's libvirtd did not start again"
  # Healthy again once its daemon answers (its node ran on), each node on its host.
  e2e_run tests/e2e/multihost-placement.test.ts
  phase_end

  # --- scale in to 3, the second host dropped ------------------------------------------
  # Back to the 3-node shape "checks (3 nodes)" saw; the repair right after breaks and mends
  # it, and "checks after the repair" checks every node of it again.
  phase "scale in 5 -> 3, host $H2 dropped"
  e2e_run tests/e2e/scale-in.test.ts || exit 1
  phase_end

  # --- drift: node 2 crashed, node 3 undefined, one make up ----------------------------
  phase "broken cluster: status, then one make up repairs it"
  api_checks tests/cluster/repair.test.ts
  phase_end
  phase "checks after the repair"
  cluster_checks
  phase_end

  phase "5 refreshes in a row"
  e2e_run tests/e2e/refresh.test.ts
  e2e_run tests/e2e/preview.test.ts
  phase_end
  phase "secrets at rest"
  e2e_run tests/e2e/secrets.test.ts
  phase_end

  # --- the same image on "bare metal": the installer in plain VMs ----------------------
  # From here on the bystander is not acted on, only checked at the end (same domain id): it
  # pauses until the agent's phase is over, its idle vCPUs' share of the cores going to the
  # installer's machines and the agent's nodes, as the main stack's do (below).
  bystander_domains | while read -r d; do virsh -c qemu:///system suspend "$d" >/dev/null 2>&1; done
  phase "installer: make usb, the provisioning network, refusal, unattended installs (CD, USB, network; BIOS and UEFI), boot from disk"
  # The installer's machines run side by side (tests/e2e/metal.ts), the main cluster's nodes
  # paused by the test once its make up has added the provisioning network.
  take_ranges 1
  E2E_PSK="$E2E_PSK" E2E_NETBOOT_CIDR="${RANGES[0]}" e2e_run tests/e2e/installer.test.ts
  phase_end

  # The main cluster is not used again: its nodes stay paused (or pause now), so the agent's
  # cluster (TCG) gets both cores. Other stacks' are left alone.
  own_domains | while read -r d; do virsh -c qemu:///system suspend "$d" >/dev/null 2>&1; done

  # --- the node agent forms a cluster of its own (membership=agent) --------------------
  phase "agent-formed cluster (membership=agent, reference serf agent): 3 nodes, a fourth, a crash, an installed machine joining"
  new_stack "$AGENT" 3
  pulumi config set --stack "$AGENT" membership agent >/dev/null
  pulumi config set --stack "$AGENT" kubernetes off >/dev/null
  pulumi config rm --stack "$AGENT" nodeAgentSource >/dev/null
  pulumi config set --stack "$AGENT" nodeAgentPath "$AGENT_BINARY" >/dev/null
  E2E_AGENT_STACK="$AGENT" e2e_run tests/e2e/agent.test.ts
  destroy_stack "$AGENT"
  own_domains | while read -r d; do virsh -c qemu:///system resume "$d" >/dev/null; done
  resume_bystander
  phase_end

  exit "$FAILED"
}

main
