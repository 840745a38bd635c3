#!/usr/bin/env bash
# Multi-host end-to-end test (docs/MULTI_HOST.md): one stack with 3 nodes on 2 libvirt
# hosts. The first host is the daemon the e2e uses (tests/e2e/daemon.sh); the second is
# simulated on this machine (tests/e2e/second-host.sh says how, and what that does not
# cover), joined to the first by a veth pair that plays the LAN, each routing the other's
# node range over it as an administrator would. Checks the WireGuard mesh, munge and
# `srun -N3` across the hosts, that SLURM talks over wg0, and that `lab status` names a
# host whose daemon stops while still reporting the other's nodes; that a node whose start
# failed on the second host is cleared by one make up. Leaves nothing behind.
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib/common.sh"
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/daemon.sh"
. "$(dirname "$0")/second-host.sh"
lab_load_env
cd "$LAB_ROOT" || exit 1

RUN_ID="$(date +%s)-$$"
STACK="mh-$RUN_ID"
E2E_RESULTS="${E2E_RESULTS:-/dev/null}"
WORK="$(mktemp -d /tmp/clusteros-mh.XXXXXX)"
KEEP="$LAB_STATE/e2e-failures/$RUN_ID"
FAILED=0
PREFIX="clusteros-lab-$STACK"
H2=h2

cleanup() {
  local rc=$?
  if [ "$FAILED" -ne 0 ] || [ $rc -ne 0 ]; then
    mkdir -p "$KEEP"
    cp /var/log/libvirt/qemu/"$PREFIX"-node-*-serial.log "${H2_DIR:-/nonexistent}"/log/qemu/"$PREFIX"-node-*-serial.log \
      "$WORK"/*.log "$KEEP/" 2>/dev/null || true
    echo "multi-host e2e: FAILED; serial and pulumi logs kept in $KEEP"
  fi
  phase "multi-host destroy"
  # A daemon the test stopped is started again: destroy needs every host.
  [ -z "${H2_URI:-}" ] || virsh -c "$H2_URI" version >/dev/null 2>&1 || second_host_libvirtd_start >/dev/null
  if pulumi stack ls --json 2>/dev/null | grep -q "\"$STACK\""; then
    in_host pulumi destroy --stack "$STACK" --yes --skip-preview >"$WORK/destroy.log" 2>&1
    check "pulumi destroy removes the stack from both hosts" test $? -eq 0 || tail -20 "$WORK/destroy.log"
    lab_stack_rm "$STACK"
  fi
  phase_end
  [ -z "${H2_URI:-}" ] || multihost_leak_checks
  second_host_stop
  rm -f "Pulumi.$STACK.yaml" /var/log/libvirt/qemu/"$PREFIX"-node-*
  if [ -n "${DAEMON_PID:-}" ]; then
    daemon_release || record FAIL "namespace $HOSTNS still exists after the test stopped the daemon it started"
    check "no network namespace was left or removed by the multi-host test" test "$(netns_names)" = "$NETNS_BEFORE"
  fi
  rm -rf "$WORK"
  print_phases
  [ "$FAILED" -eq 0 ] && [ $rc -eq 0 ]
}
trap 'cleanup; exit $?' EXIT
trap 'exit 130' INT TERM

# Nothing of the stack on either host (the second host's objects before it is removed).
multihost_leak_checks() {
  local host uri kind n
  for host in "main:qemu:///system" "$H2:$H2_URI"; do
    uri="${host#*:}"
    for kind in domain:list network:net-list pool:pool-list; do
      n="$(virsh -c "$uri" "${kind#*:}" --all --name 2>/dev/null | grep -c "^$PREFIX-" || true)"
      check "no ${kind%%:*} of the stack remains on host ${host%%:*}" test "$n" -eq 0
    done
  done
  check "no volume directory of the stack remains on either host" \
    test ! -e "/var/lib/libvirt/images/$PREFIX" -a ! -e "$H2_DIR/lib/images/$PREFIX"
}

# dom_on URI N: node N's domain is running on the daemon at URI.
dom_on() { [ "$(virsh -c "$1" domstate "$PREFIX-node-$2" 2>/dev/null | head -1)" = running ]; }
dom_absent() { ! virsh -c "$1" dominfo "$PREFIX-node-$2" >/dev/null 2>&1; }

placement_checks() {
  check "nodes 1 and 2 run on the main host, node 3 on host $H2" \
    bash -c "$(declare -f dom_on dom_absent); PREFIX=$PREFIX; dom_on qemu:///system 1 && dom_on qemu:///system 2 && dom_on '$H2_URI' 3 && dom_absent qemu:///system 3 && dom_absent '$H2_URI' 1"
  check "node 3's address is in host $H2's range" test "${IPS[2]%.*}.0/24" = "$H2_CIDR"
  check "the hosts output lists both hosts with their nodes" \
    test "$(pulumi stack output --stack "$STACK" hosts --json | jq -c '[.[] | [.name, .nodes]]')" = "[[\"main\",[1,2]],[\"$H2\",[3]]]"
}

# status_rows OUT: "node host domain" per node row of lab status's table.
status_rows() { awk -F'│' 'NF > 3 && $2 ~ /cluster-node-/ { gsub(/ /, "", $2); gsub(/ /, "", $3); gsub(/ /, "", $4); print $2, $3, $4 }' <<<"$1"; }

host_down_checks() {
  local out rc rows
  out="$(in_host scripts/lab.sh --stack "$STACK" status 2>&1)"; rc=$?
  rows="$(status_rows "$out")"
  check "lab status is healthy with both hosts up" test "$rc" -eq 0
  check "lab status shows each node's host" test "$rows" = "$(printf 'cluster-node-1 main running\ncluster-node-2 main running\ncluster-node-3 %s running' "$H2")" \
    || echo "$out"
  phase "a host's daemon stops"
  second_host_libvirtd_stop
  out="$(in_host scripts/lab.sh --stack "$STACK" status 2>&1)"; rc=$?
  rows="$(status_rows "$out")"
  check "lab status exits 1 when host $H2's daemon does not answer" test "$rc" -eq 1
  check "lab status names host $H2 and its URI" grep -qF "host $H2 does not answer at $H2_URI" <<<"$out" || echo "$out"
  check "lab status still reports the main host's nodes, running" \
    test "$(grep -c ' main running$' <<<"$rows")" -eq 2 || echo "$out"
  second_host_libvirtd_start || die "the second host's libvirtd did not start again"
  check "lab status is healthy again once host $H2's daemon answers (its node ran on)" \
    in_host scripts/lab.sh --stack "$STACK" status --wait 120
  phase_end
}

# A node whose domain cannot start on host h2 (its serial log's directory is missing, as on
# a host without libvirt's packaged directories): the provider defined the domain, never
# recorded it, and the next create of that name would fail. One make up must converge.
failed_start_checks() {
  phase "node 4 fails to start on host $H2, then one make up"
  pulumi config set --stack "$STACK" nodeCount 4 >/dev/null
  pulumi config set --stack "$STACK" --path "hosts.$H2.nodes[1]" 4 >/dev/null
  mv "$H2_DIR/log/qemu" "$H2_DIR/log/qemu.away"
  in_host pulumi up --stack "$STACK" --yes --skip-preview >"$WORK/failed-start.log" 2>&1
  check "pulumi up fails when node 4's domain cannot start on host $H2" test $? -ne 0
  check "the failed start left node 4's domain defined and stopped on host $H2, unrecorded" \
    bash -c "virsh -c '$H2_URI' domstate '$PREFIX-node-4' 2>/dev/null | grep -qx 'shut off'"
  mv "$H2_DIR/log/qemu.away" "$H2_DIR/log/qemu"
  in_host scripts/up.sh "$STACK" >"$WORK/after-failed-start.log" 2>&1
  check "one make up afterwards converges to 4 healthy nodes" test $? -eq 0 || tail -30 "$WORK/after-failed-start.log"
  check "make up said it removed the domain the failed create left on host $H2" \
    grep -qF "removed domain $PREFIX-node-4 on $H2_URI, defined by a create that failed" "$WORK/after-failed-start.log"
  check_last_update_changes "node 4 added on host $H2" "create" "replace,delete"
  check "node 4 runs on host $H2" dom_on "$H2_URI" 4
  read_ips
  api_checks tests/cluster/checks.test.ts
  phase_end

  phase "scale in 4 -> 3 across hosts"
  pulumi config set --stack "$STACK" nodeCount 3 >/dev/null
  pulumi config rm --stack "$STACK" --path "hosts.$H2.nodes[1]" >/dev/null
  in_host scripts/up.sh "$STACK" >"$WORK/scale-in.log" 2>&1
  check "pulumi up back to 3 nodes on 2 hosts" test $? -eq 0 || tail -30 "$WORK/scale-in.log"
  check_last_update_changes "scale in across hosts" "delete" "replace"
  check "node 4's domain is gone from host $H2" dom_absent "$H2_URI" 4
  IPS=("${IPS[@]:0:3}")
  phase_end
}

main() {
  phase "multi-host setup"
  images/debian/build-base.sh >/dev/null || die "the Debian base could not be built (apt)"
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

  phase "multi-host up (3 nodes, 2 hosts)"
  in_host scripts/up.sh "$STACK" >"$WORK/up.log" 2>&1
  check "make up's script creates a cluster across two hosts" test $? -eq 0 || { tail -40 "$WORK/up.log"; exit 1; }
  phase_end
  read_ips

  phase "multi-host checks"
  placement_checks
  api_checks tests/cluster/checks.test.ts
  phase_end
  failed_start_checks
  host_down_checks
}

main
