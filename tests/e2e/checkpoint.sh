# shellcheck shell=bash
# Cluster checkpoints (cli/checkpoint.ts) beyond tests/cluster/checkpoint.test.ts (save,
# break, restore): a restore into a cluster of another shape is refused and changes nothing,
# and checkpoint-rm removes 'ready'. Expects STACK, PREFIX, WORK and the helpers of lib.sh.

lab_on_stack() { in_host "$LAB_ROOT/scripts/lab.sh" --stack "$STACK" "$@"; }

domain_ids() { local n; for n in $(seq 1 "$1"); do virsh -c qemu:///system domid "$PREFIX-node-$n"; done; }

# After scaling out to COUNT nodes: restoring 'ready' (3 nodes) is refused, naming why, and
# no node is touched.
checkpoint_refused_checks() {
  local count="$1" before out rc=0
  before="$(domain_ids "$count")"
  out="$(lab_on_stack checkpoint restore ready 2>&1)" || rc=$?
  check "restoring a 3-node checkpoint into $count nodes is refused" test "$rc" -ne 0
  check "the refusal names the new node and the node count" \
    bash -c "grep -q 'node-$count has no snapshot .ready.' <<<\"\$1\" && grep -q 'the checkpoint has 3 nodes, the cluster now $count' <<<\"\$1\"" _ "$out" \
    || echo "$out"
  check "a refused restore changes nothing (same domain ids)" test "$(domain_ids "$count")" = "$before"
}

checkpoint_rm_checks() {
  local out
  in_host make -s checkpoint-rm STACK="$STACK" NAME=ready >/dev/null
  out="$(lab_on_stack checkpoint list 2>&1)"
  check "make checkpoint-rm NAME=ready removes it from every node" grep -q "has no checkpoints" <<<"$out" || echo "$out"
}
