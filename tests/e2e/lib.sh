# shellcheck shell=bash
# Helpers of the end-to-end test: phases with durations, recorded checks, node access.
# Expects NS, STACK, KEY, USER_NAME, IPS, PREFIX, WORK, E2E_RESULTS from e2e.sh.

PHASES=()
_phase_name="" _phase_start=0

phase() { _phase_name="$1"; _phase_start=$(date +%s); echo "=== $1"; }
phase_end() {
  [ -n "$_phase_name" ] || return 0
  PHASES+=("$(printf '%-34s %5ss' "$_phase_name" "$(( $(date +%s) - _phase_start ))")")
  _phase_name=""
}
print_phases() {
  echo "=== phase durations"
  printf '  %s\n' "${PHASES[@]}"
}

record() { # record PASS|FAIL|SKIP message
  echo "$1 $2" >> "$E2E_RESULTS"
  echo "$1: $2"
  # shellcheck disable=SC2034 # FAILED is read by the scripts that source this file
  [ "$1" != FAIL ] || FAILED=1
}

die() { record FAIL "$*"; exit 1; }

# check "what is checked" command... ; records PASS/FAIL and returns the command's status.
check() {
  local what="$1"; shift
  if "$@"; then record PASS "$what"; return 0; fi
  record FAIL "$what"; return 1
}

# on N CMD: run CMD on node N (1-based) as the admin user, over SSH from the namespace.
on() {
  local n="$1"; shift
  ip netns exec "$NS" ssh -i "$KEY" -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR -o ConnectTimeout=10 "$USER_NAME@${IPS[$((n - 1))]}" "$@"
}

# until_ok SECONDS CMD...: retry CMD every 5s until it succeeds or time runs out.
until_ok() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 5
  done
}

node_hostname_ok() { [ "$(on "$1" hostname)" = "cluster-node-$1" ]; }
node_cloud_init_ok() {
  local out; out="$(on "$1" cloud-init status --long 2>&1)" || { echo "$out"; return 1; }
  grep -q "status: done" <<<"$out" && ! grep -qi "errors: \[[^]]" <<<"$out"
}

# Every peer of node N has a handshake younger than 180 s, and there are want peers.
node_handshakes_ok() {
  local n="$1" want="$2" now lines
  now="$(on "$n" date +%s)"
  lines="$(on "$n" sudo wg show wg0 latest-handshakes)" || return 1
  [ "$(wc -l <<<"$lines")" -eq "$want" ] || { echo "node $n: $(wc -l <<<"$lines") peers, want $want"; return 1; }
  awk -v now="$now" '$2 == 0 || now - $2 > 180 { bad = 1; print "stale handshake with " $1 } END { exit bad }' <<<"$lines"
}

node_pings_all() {
  local n="$1" count="$2" m
  for m in $(seq 1 "$count"); do
    [ "$m" -eq "$n" ] && continue
    on "$n" ping -c 2 -W 3 "cluster-node-$m-wg" >/dev/null || { echo "node $n cannot ping cluster-node-$m over WireGuard"; return 1; }
  done
}

mesh_checks() {
  local count="$1" n
  for n in $(seq 1 "$count"); do
    check "node $n pings every other node's WireGuard address" until_ok 60 node_pings_all "$n" "$count"
  done
  for n in $(seq 1 "$count"); do
    check "node $n: wg0 lists $((count - 1)) peers, each with a handshake in the last 3 minutes" \
      until_ok 60 node_handshakes_ok "$n" $((count - 1))
  done
}

slurm_idle() {
  local want="$1" out
  out="$(on 1 "sinfo -h -N -o '%N %t'")" || return 1
  [ "$(awk '$2 == "idle"' <<<"$out" | wc -l)" -eq "$want" ] && [ "$(wc -l <<<"$out")" -eq "$want" ]
}

slurm_checks() {
  local count="$1"
  check "sinfo on the controller shows $count nodes idle" until_ok 180 slurm_idle "$count" \
    || on 1 sinfo -N -l || true
  local hosts
  hosts="$(on 1 timeout 120 srun -N"$count" hostname 2>&1 | sort -u)"
  check "srun -N$count hostname returns $count distinct hostnames" test "$(grep -c '^cluster-node-' <<<"$hosts")" -eq "$count" \
    || echo "$hosts"
}

munge_decodes() { on "$2" unmunge <<<"$1" >/dev/null; }

munge_checks() {
  local count="$1" cred n
  cred="$(on 1 munge -n)"
  for n in $(seq 2 "$count"); do
    check "a munge credential made on node 1 decodes on node $n" munge_decodes "$cred" "$n"
  done
}

node_agent_ok() {
  local n="$1" pid env
  on "$n" systemctl is-active --quiet clusteros-node-agent || { echo "node $n: node-agent not active"; return 1; }
  pid="$(on "$n" systemctl show -p MainPID --value clusteros-node-agent)"
  env="$(on "$n" sudo cat "/proc/$pid/environ" | tr '\0' '\n')"
  grep -q "^CLUSTEROS_NODE_ID=$PREFIX-node-$n$" <<<"$env" && grep -Eq '^CLUSTEROS_CLUSTER_KEY=[0-9a-f]{64}$' <<<"$env" \
    || { echo "node $n: node-agent environment lacks its node id or cluster key"; return 1; }
}

k3s_all_ready() { [ "$(on 1 sudo k3s kubectl get nodes --no-headers | grep -c ' Ready ')" -eq "${#IPS[@]}" ]; }

k3s_report() {
  if [ "$(pulumi config get --stack "$STACK" k3s)" = "false" ]; then
    record SKIP "K3s: off in this stack (config key k3s), not checked"
  elif on 1 test -x /usr/local/bin/k3s; then
    check "K3s: all nodes Ready" until_ok 300 k3s_all_ready
  else
    record SKIP "K3s: the image has no K3s binary (built offline): $(on 1 cat /etc/clusteros/k3s-missing)"
  fi
}

cluster_checks() {
  local count="$1" n
  for n in $(seq 1 "$count"); do
    check "node $n: hostname is cluster-node-$n" node_hostname_ok "$n"
    check "node $n: cloud-init finished without errors" node_cloud_init_ok "$n"
    check "node $n: node-agent active with its node id and cluster key" until_ok 60 node_agent_ok "$n"
  done
  mesh_checks "$count"
  munge_checks "$count"
  slurm_checks "$count"
  k3s_report
}

# The newest update created/deleted only what it should and replaced nothing.
check_last_update_changes() {
  local what="$1" expect="$2" forbid="$3" changes
  changes="$(pulumi stack history --stack "$STACK" --json | node -e \
    'const h = JSON.parse(require("fs").readFileSync(0, "utf8")); console.log(JSON.stringify(h[0].resourceChanges || {}))')"
  echo "$what: resource changes $changes"
  check "$what: the update has $expect steps" node -e "process.exit((JSON.parse('$changes')['$expect'] || 0) > 0 ? 0 : 1)"
  local f
  for f in ${forbid//,/ }; do
    check "$what: no resource was ${f}d" node -e "process.exit((JSON.parse('$changes')['$f'] || 0) === 0 ? 0 : 1)"
  done
}

report_image_build() {
  local first last
  first="$(grep -o 'packer: [0-9T:-]*Z' "$1" | head -1 | cut -d' ' -f2)"
  last="$(grep -o 'packer: [0-9T:-]*Z' "$1" | tail -1 | cut -d' ' -f2)"
  if [ -n "$first" ]; then
    PHASES+=("$(printf '%-34s %5ss' "  of which image build (Packer)" $(( $(date -d "$last" +%s) - $(date -d "$first" +%s) )))")
  else
    PHASES+=("$(printf '%-34s %6s' "  of which image build (Packer)" "cached")")
  fi
}

leak_checks() {
  local v
  v="$(virsh -c qemu:///system list --all --name 2>/dev/null | grep -c "^$PREFIX" || true)"
  check "no domain of the stack remains" test "$v" -eq 0
  v="$(virsh -c qemu:///system net-list --all --name 2>/dev/null | grep -c "^$PREFIX" || true)"
  check "no network of the stack remains" test "$v" -eq 0
  v="$(virsh -c qemu:///system pool-list --all --name 2>/dev/null | grep -c "^$PREFIX" || true)"
  check "no pool of the stack remains" test "$v" -eq 0
  check "no volume directory of the stack remains" test ! -e "/var/lib/libvirt/images/$PREFIX"
  check "the stack's state is gone" bash -c "! pulumi stack ls --json | grep -q '\"$STACK\"'"
}

run_doc_block() {
  (cd "$LAB_ROOT" && env NETNS="$NS" DIST_DIR="$WORK/dist" bash -euo pipefail "$WORK/doc-block.sh") >"$WORK/doc-block.log" 2>&1
}

# quietly LOG CMD...: run CMD with its output in LOG (check's own report stays on the console).
quietly() { local log="$1"; shift; "$@" >"$log" 2>&1; }

# Every shell block the docs mark <!-- e2e -->, on this test's stack and namespace.
docs_checks() {
  local blocks n i where
  blocks="$(node "$LAB_ROOT/node_modules/ts-node/dist/bin.js" --transpile-only "$LAB_ROOT/tests/docs/blocks.ts" "$STACK" "$NS")"
  n="$(node -p "JSON.parse(process.argv[1]).length" "$blocks")"
  for i in $(seq 0 $((n - 1))); do
    where="$(node -p "JSON.parse(process.argv[1])[$i].where" "$blocks")"
    node -p "JSON.parse(process.argv[1])[$i].commands.join('\n')" "$blocks" > "$WORK/doc-block.sh"
    check "docs: the commands of $where run" run_doc_block || tail -20 "$WORK/doc-block.log"
  done
  rm -f "$LAB_ROOT/ci.ssh" "$LAB_ROOT/ci.ssh.key"
  check "make usb wrote an El Torito bootable installer ISO" \
    bash -c "xorriso -indev '$WORK/dist/clusteros-installer.iso' -report_el_torito plain 2>/dev/null | grep -q 'El Torito boot img'"
  rm -rf "$WORK/dist"
}

# After a node is powered off, `lab status` fails and names the node and why.
broken_node_checks() {
  local n="$1" out rc=0
  virsh -c qemu:///system destroy "$PREFIX-node-$n" >/dev/null
  out="$(ip netns exec "$NS" "$LAB_ROOT/scripts/lab.sh" --stack "$STACK" status 2>&1)" || rc=$?
  check "lab status exits non-zero when node $n is down" test "$rc" -ne 0
  check "lab status says node $n is down and why" grep -q "cluster-node-$n is not healthy: domain is shut off" <<<"$out" \
    || echo "$out"
}
