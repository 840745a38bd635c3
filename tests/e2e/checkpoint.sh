# shellcheck shell=bash
# Cluster checkpoints (cli/checkpoint.ts), on the test's 3-node stack: save one, break the
# cluster three ways, restore it, and find it as it was; a restore into a cluster of another
# shape is refused and changes nothing. Expects STACK, PREFIX, WORK and the helpers of lib.sh.

lab_on_stack() { in_host "$LAB_ROOT/scripts/lab.sh" --stack "$STACK" "$@"; }

domain_ids() { local n; for n in $(seq 1 "$1"); do virsh -c qemu:///system domid "$PREFIX-node-$n"; done; }

# clock_ok N: the node's clock is within 10 s of the host's (an SSH round trip under TCG
# takes a few seconds; a clock left at the checkpoint would be minutes behind).
clock_ok() {
  local guest host
  guest="$(on "$1" date +%s)" || return 1
  host="$(date +%s)"
  if [ $((host - guest)) -gt 10 ] || [ $((guest - host)) -gt 10 ]; then
    echo "node $1 is $((host - guest)) s behind the host"; return 1
  fi
}

checkpoint_checks() {
  local out rc n
  out="$(lab_on_stack checkpoint save ready 2>&1)"
  check "lab checkpoint save ready pauses, snapshots and resumes all 3 nodes" \
    grep -q "checkpoint 'ready' of stack '$STACK': 3 nodes" <<<"$out" || echo "$out"
  echo "  $out"
  check "pulumi preview after a save shows no changes" \
    quietly "$WORK/preview-save.log" in_host pulumi preview --stack "$STACK" --expect-no-changes || tail -20 "$WORK/preview-save.log"

  # Break the cluster three ways, then restore (through make, as the README says).
  on 1 'echo after > /var/tmp/after-checkpoint'
  on 2 sudo systemctl stop slurmd
  virsh -c qemu:///system destroy "$PREFIX-node-3" >/dev/null
  rc=0
  out="$(in_host make -s restore STACK="$STACK" NAME=ready 2>&1)" || rc=$?
  check "make restore NAME=ready brings the whole cluster back and waits until it is healthy" test "$rc" -eq 0 \
    || echo "$out" | tail -20
  grep -E "reverted|renewed|healthy .* after" <<<"$out" | sed 's/^/  /'
  check "node 1: the file written after the checkpoint is gone" on 1 '! test -e /var/tmp/after-checkpoint'
  check "node 2: slurmd, stopped after the checkpoint, is active again" on 2 systemctl is-active --quiet slurmd
  check "node 3, powered off after the checkpoint, runs again" \
    test "$(virsh -c qemu:///system domstate "$PREFIX-node-3")" = running
  for n in 1 2 3; do check "node $n: its clock was set right after the restore" clock_ok "$n"; done
  slurm_checks 3
  check "pulumi preview after a restore shows no changes" \
    quietly "$WORK/preview-restore.log" in_host pulumi preview --stack "$STACK" --expect-no-changes \
    || tail -20 "$WORK/preview-restore.log"
  out="$(in_host make -s checkpoints STACK="$STACK" 2>&1)"
  check "make checkpoints lists 'ready' on 3 of 3 nodes and the disk it takes" \
    bash -c "grep -q 'ready .* 3/3' <<<\"\$1\" && grep -q 'node disks, holding every checkpoint' <<<\"\$1\"" _ "$out" || echo "$out"
}

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
