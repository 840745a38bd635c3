# shellcheck shell=bash
# Fault injection on the running cluster (lab partition / lab heal): node 3 cut off from
# nodes 1 and 2 on the lab network, and so on the WireGuard mesh over it, then healed.
# Expects the helpers of lib.sh and lab_on_stack (checkpoint.sh).

slurm_state() { on 1 sinfo -h -n "cluster-node-$1" -o %t; }
slurm_not_responding() { [[ "$(slurm_state "$1")" == *'*' ]]; }
slurm_idle_again() { [ "$(slurm_state "$1")" = idle ]; }
mesh_cut() { ! on "$1" ping -c 2 -W 2 "cluster-node-$2-wg" >/dev/null 2>&1; }
# latest_handshake N M: when node N last completed a handshake with node M (node N's clock).
latest_handshake() {
  local key
  key="$(on "$2" sudo wg show wg0 public-key)" || return 1
  on "$1" sudo wg show wg0 latest-handshakes | awk -v k="$key" '$1 == k { print $2 }'
}

partition_checks() {
  local cut_at handshake
  cut_at="$(on 1 date +%s)"
  check "lab partition 3 1,2 cuts node 3 off" quietly "$WORK/partition.log" lab_on_stack partition 3 1,2 \
    || { cat "$WORK/partition.log"; return 1; }
  check "partitioned: node 1 cannot reach node 3 over the mesh" mesh_cut 1 3
  check "partitioned: node 3 cannot reach node 2 over the mesh" mesh_cut 3 2
  check "partitioned: nodes 1 and 2 still reach each other" until_ok 30 node_pings_all 1 2
  # slurmctld pings every SlurmdTimeout/3 (40 s) and marks a node that did not answer as
  # not responding (the * of its state); it would mark it down after SlurmdTimeout (120 s).
  check "SLURM marks node 3 not responding" until_ok 150 slurm_not_responding 3 || on 1 sinfo -N -l || true
  handshake="$(latest_handshake 1 3)"
  check "node 1's last WireGuard handshake with node 3 ages: none since the partition" test "${handshake:-0}" -lt "$cut_at" \
    || echo "latest handshake $handshake, partition at $cut_at"
  check "lab heal removes the partition" quietly "$WORK/heal.log" lab_on_stack heal || cat "$WORK/heal.log"
  check "healed: node 3 is idle in SLURM again" until_ok 150 slurm_idle_again 3 || on 1 sinfo -N -l || true
  check "healed: node 3 pings every other node over the mesh" until_ok 60 node_pings_all 3 3
  slurm_checks 3
}
