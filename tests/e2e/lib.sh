# shellcheck shell=bash
# Helpers of the end-to-end test: phases with durations, recorded checks, node access.
# Expects STACK, KEY, USER_NAME, IPS, PREFIX, WORK, E2E_RESULTS from e2e.sh, and in_host
# from daemon.sh.

PHASES=()
_phase_name="" _phase_start=0
# The phase checks are recorded under: the last one begun (checks between phases belong to it).
_record_phase="setup"

phase() { _phase_name="$1"; _record_phase="$1"; _phase_start=$(date +%s); echo "=== $1"; }
phase_end() {
  [ -n "$_phase_name" ] || return 0
  PHASES+=("$(printf '%-34s %5ss' "$_phase_name" "$(( $(date +%s) - _phase_start ))")")
  _phase_name=""
}
print_phases() {
  echo "=== phase durations"
  printf '  %s\n' "${PHASES[@]}"
}

# record PASS|FAIL|SKIP message [seconds]: one tab-separated line per check in $E2E_RESULTS
# (status, phase, seconds, message), which scripts/test.sh counts and scripts/junit.ts reads.
record() {
  printf '%s\t%s\t%s\t%s\n' "$1" "$_record_phase" "${3:-0}" "$2" >> "$E2E_RESULTS"
  echo "$1: $2"
  # shellcheck disable=SC2034 # FAILED is read by the scripts that source this file
  [ "$1" != FAIL ] || FAILED=1
}

die() { record FAIL "$*"; exit 1; }

# check "what is checked" command... ; records PASS/FAIL and returns the command's status.
check() {
  local what="$1" start=$SECONDS; shift
  if "$@"; then record PASS "$what" $((SECONDS - start)); return 0; fi
  record FAIL "$what" $((SECONDS - start)); return 1
}

# SSH as the test uses it: keys only, test machines' host keys neither asked nor kept.
# The options are the lab's own (components/exec/ssh-options), as every connection uses them.
SSH_OPTS=(-o BatchMode=yes)
while read -r _opt; do
  [[ -z "$_opt" || "$_opt" == "#"* ]] || SSH_OPTS+=(-o "$_opt")
done < "$LAB_ROOT/components/exec/ssh-options"

# on N CMD: run CMD on node N (1-based) as the admin user, over SSH from where the daemon is.
# Only the Kubernetes checks (kubernetes.sh) still use it; every other check reaches nodes
# through the test API (tests/cluster/, api_checks).
on() {
  local n="$1"; shift
  in_host ssh -i "$KEY" "${SSH_OPTS[@]}" "$USER_NAME@${IPS[$((n - 1))]}" "$@"
}

# new_stack NAME NODES: a stack with the ci stack's settings on network ranges that are free
# on the daemon (and not given to this test's other stack, whose WireGuard range libvirt
# does not see).
USED_RANGES=()

# take_ranges N: N network ranges free on the daemon and not taken by this test before, into
# RANGES (and USED_RANGES).
take_ranges() {
  local r
  RANGES=()
  for r in $(in_host scripts/lab.sh networks --free $(( $1 + ${#USED_RANGES[@]} ))); do
    [[ " ${USED_RANGES[*]} " == *" $r "* ]] || RANGES+=("$r")
  done
  [ "${#RANGES[@]}" -ge "$1" ] || die "no free network ranges on the daemon (scripts/lab.sh networks)"
  RANGES=("${RANGES[@]:0:$1}")
  USED_RANGES+=("${RANGES[@]}")
}

new_stack() {
  take_ranges 2
  local ranges=("${RANGES[@]}")
  pulumi stack init "$1" --secrets-provider passphrase --no-select >/dev/null || die "stack init $1"
  grep -v '^encryptionsalt' Pulumi.ci.yaml | sed '/^config:/,$!d' >> "Pulumi.$1.yaml"
  pulumi config set --stack "$1" nodeCount "$2" >/dev/null
  # E2E_KUBERNETES=upstream|k3s runs the test with that Kubernetes (K3s's image needs the internet).
  [ -z "${E2E_KUBERNETES:-}" ] || pulumi config set --stack "$1" kubernetes "$E2E_KUBERNETES" >/dev/null
  # E2E_DOMAIN_TYPE=kvm on a machine with KVM (docs/examples/github-workflow.yml); the ci
  # stack's qemu (TCG) otherwise.
  [ -z "${E2E_DOMAIN_TYPE:-}" ] || pulumi config set --stack "$1" domainType "$E2E_DOMAIN_TYPE" >/dev/null
  # The Kubernetes server's memory rule (config-schema.ts).
  [ "${E2E_KUBERNETES:-}" != upstream ] || pulumi config set --stack "$1" nodeMemoryMiB 2048 >/dev/null
  pulumi config set --stack "$1" nodeCidr "${ranges[0]}" >/dev/null
  pulumi config set --stack "$1" wireguardCidr "${ranges[1]}" >/dev/null
  # A test node-agent so the bake-in path is exercised (the same image for both stacks).
  pulumi config set --stack "$1" nodeAgentPath "$LAB_ROOT/tests/e2e/fixtures/node-agent" >/dev/null
  # Plain `ssh` as the outputs print it uses this key (through an agent, see host_mode_checks).
  [ -f "$WORK/user.pub" ] || ssh-keygen -q -t ed25519 -N '' -C e2e-user -f "$WORK/user"
  pulumi config set --stack "$1" --path 'sshPublicKeys[0]' "$(cat "$WORK/user.pub")" >/dev/null
}

# kubernetes_of STACK: the stack's Kubernetes distribution (config key kubernetes; k3s by default).
kubernetes_of() { pulumi config get --stack "$1" kubernetes 2>/dev/null || echo k3s; }

# kubernetes_bundle STACK: the upstream Kubernetes bundle built when the stack runs it. Outside
# the namespace, like the Debian base: it needs the Go module proxy when not cached.
kubernetes_bundle() {
  [ "$(kubernetes_of "$1")" != upstream ] || scripts/kubernetes.sh build >/dev/null \
    || die "the Kubernetes bundle could not be built (make kubernetes)"
}

# IPS: each node's lab address (SSH).
read_ips() {
  mapfile -t IPS < <(pulumi stack output --stack "$STACK" nodes --json | jq -r '.[].ip')
}

# until_ok SECONDS CMD...: retry CMD every 5s until it succeeds or time runs out.
until_ok() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 5
  done
}

# api_run STACK FILE [VITEST ARGS...]: cluster tests written on clusteros-lab/testing
# (tests/cluster/), attached to the running STACK (make cluster-test STACK=...), or bringing up
# and destroying stacks of their own when STACK is empty; each test that ran is a check of the
# current phase. Vitest prints why a test failed.
api_run() {
  local stack="$1" json="$WORK/api-checks.json" rc=0; shift
  rm -f "$json"
  env -u JUNIT_XML -u CLUSTEROS_LAB_TEST_STACK STACK="$stack" ${HOSTNS:+CLUSTEROS_LAB_NETNS="$HOSTNS"} \
    "$LAB_ROOT/scripts/cluster-test.sh" --reporter=default --reporter=json --outputFile.json="$json" "$@" || rc=$?
  [ -s "$json" ] || { record FAIL "the cluster tests $* ran (exit $rc, no report)"; return 1; }
  local status secs title
  while IFS=$'\t' read -r status secs title; do
    record "$status" "$title" "$secs"
  done < <(jq -r '.testResults[].assertionResults[] | select(.status == "passed" or .status == "failed")
    | [(if .status == "passed" then "PASS" else "FAIL" end), ((.duration // 0) / 1000 | floor), .title] | @tsv' "$json")
  [ "$rc" -eq 0 ]
}

# api_checks FILE [VITEST ARGS...]: those tests on this test's stack.
api_checks() { api_run "$STACK" "$@"; }

# own_stack_checks NAME: the test API's own up and destroy, as a user's test file runs them
# (tests/cluster/own-stack.test.ts: stack NAME, 1 node, free ranges), then nothing of it left.
own_stack_checks() {
  take_ranges 2
  local -x E2E_OWN_STACK="$1" E2E_OWN_NODE_CIDR="${RANGES[0]}" E2E_OWN_WG_CIDR="${RANGES[1]}"
  api_run "" tests/cluster/own-stack.test.ts
  stack_leak_checks "$1"
  check "the test API left no settings file of stack $1" test ! -e "$LAB_ROOT/Pulumi.$1.yaml"
}

# cluster_checks N: every check of a healthy N-node cluster (tests/cluster/checks.test.ts:
# identity, first boot, node agent, mesh, munge, SLURM) and Kubernetes' readiness.
cluster_checks() {
  api_checks tests/cluster/checks.test.ts
  kubernetes_ready_checks "$1"
}

# json_true JSON FILTER: the jq FILTER holds for JSON.
json_true() { jq -e "$2" <<<"$1" >/dev/null; }

# The newest update created/deleted only what it should and replaced nothing.
check_last_update_changes() {
  local what="$1" expect="$2" forbid="$3" changes
  changes="$(pulumi stack history --stack "$STACK" --json | jq -c '.[0].resourceChanges // {}')"
  echo "$what: resource changes $changes"
  check "$what: the update has $expect steps" json_true "$changes" "(.[\"$expect\"] // 0) > 0"
  local f
  for f in ${forbid//,/ }; do
    check "$what: no resource was ${f}d" json_true "$changes" "(.[\"$f\"] // 0) == 0"
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

# leak_checks STACK...: nothing of these stacks is left on the daemon, on disk or in the state.
leak_checks() { local stack; for stack in "$@"; do stack_leak_checks "$stack"; done; }

stack_leak_checks() {
  local stack="$1" prefix v
  prefix="clusteros-lab-$stack"
  v="$(virsh -c qemu:///system list --all --name 2>/dev/null | grep -c "^$prefix-" || true)"
  check "no domain of stack $stack remains" test "$v" -eq 0
  v="$(virsh -c qemu:///system net-list --all --name 2>/dev/null | grep -c "^$prefix-" || true)"
  check "no network of stack $stack remains" test "$v" -eq 0
  v="$(virsh -c qemu:///system pool-list --all --name 2>/dev/null | grep -c "^$prefix-" || true)"
  check "no pool of stack $stack remains" test "$v" -eq 0
  check "no volume directory of stack $stack remains" test ! -e "/var/lib/libvirt/images/$prefix"
  check "no seed directory of stack $stack remains" test ! -e "$LAB_STATE/seeds/$prefix"
  check "no UEFI variable store of stack $stack remains" \
    bash -c "! ls /var/lib/libvirt/qemu/nvram/ 2>/dev/null | grep -q '^$prefix-'"
  check "the state of stack $stack is gone" bash -c "! pulumi stack ls --json | grep -q '\"$stack\"'"
}

run_doc_block() {
  (cd "$LAB_ROOT" && env DIST_DIR="$WORK/dist" bash -euo pipefail "$WORK/doc-block.sh") >"$WORK/doc-block.log" 2>&1
}

# quietly LOG CMD...: run CMD with its output in LOG (check's own report stays on the console).
quietly() { local log="$1"; shift; "$@" >"$log" 2>&1; }

# Every shell block the docs mark <!-- e2e -->, on this test's stack, from the test's own
# shell (where the mode is detected as a user's shell would).
docs_checks() {
  local blocks n i where
  blocks="$("${LAB_TS[@]}" "$LAB_ROOT/tests/docs/blocks.ts" "$STACK")"
  n="$(jq length <<<"$blocks")"
  for i in $(seq 0 $((n - 1))); do
    where="$(jq -r ".[$i].where" <<<"$blocks")"
    jq -r ".[$i].commands[]" <<<"$blocks" > "$WORK/doc-block.sh"
    check "docs: the commands of $where run" run_doc_block || tail -20 "$WORK/doc-block.log"
  done
  rm -f "$LAB_ROOT/ci.ssh" "$LAB_ROOT/ci.ssh.key"
  check "make usb wrote an installer ISO that boots on BIOS and on UEFI" \
    bash -c "xorriso -indev '$WORK/dist/clusteros-installer.iso' -report_el_torito plain 2>/dev/null | grep -c 'El Torito boot img .*\(BIOS\|UEFI\)' | grep -qx 2"
  rm -rf "$WORK/dist"
}

# --- modes (scripts/lib/mode.sh) -----------------------------------------------------------

# mode_is PREFIX RUNNER: `scripts/libvirtd.sh mode`, run through RUNNER (in_host, or env for
# the test's own shell), starts with PREFIX ("host mode", "namespace mode (NS)").
mode_is() {
  local want="$1" out; shift
  out="$("$@" scripts/libvirtd.sh mode 2>&1)"
  echo "  $out"
  [[ "$out" == "$want"* ]]
}

mode_checks() {
  check "where the libvirt daemon runs, the lab detects host mode" mode_is "host mode" in_host
  if [ -n "$HOSTNS" ]; then
    check "outside the daemon's namespace, the lab detects namespace mode ($HOSTNS)" mode_is "namespace mode ($HOSTNS)" env
  fi
}

# A libvirtd that cannot start: start fails, and the namespace it made is gone.
failed_start_checks() {
  local ns="$1" fake="$WORK/fake-bin" rc=0
  mkdir -p "$fake"
  printf '#!/bin/sh\necho "libvirtd (test stand-in): cannot start" >&2\nexit 1\n' > "$fake/libvirtd"
  chmod +x "$fake/libvirtd"
  PATH="$fake:$PATH" scripts/libvirtd.sh start "$ns" >"$WORK/failed-start.log" 2>&1 || rc=$?
  check "a libvirtd that cannot start makes scripts/libvirtd.sh start fail" test "$rc" -ne 0
  check "a failed start removes the namespace it created" bash -c "! ip netns list | grep -qw '^$ns'" \
    || ip netns delete "$ns" 2>/dev/null
}

# vnc_banner PORT [RUNNER]: the first bytes a VNC server sends on 127.0.0.1:PORT ("RFB 003.008").
vnc_banner() {
  local port="$1"; shift
  "${@:-env}" timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port && head -c 11 <&3"
}

# Host mode, where the daemon runs: the outputs' ssh command verbatim, lab status, VNC.
host_mode_checks() {
  local cmd agent agent_pid out port
  cmd="$(pulumi stack output --stack "$STACK" nodes --json | jq -r '.[1].ssh')"
  echo "  node 2's ssh output: $cmd"
  agent="$WORK/agent.sock"
  agent_pid="$(ssh-agent -a "$agent" -s | sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p')"
  SSH_AUTH_SOCK="$agent" ssh-add -q "$WORK/user" 2>/dev/null
  out="$(in_host env SSH_AUTH_SOCK="$agent" timeout 60 bash -c "$cmd hostname" </dev/null 2>"$WORK/ssh-verbatim.err")"
  check "host mode: the ssh command of the stack outputs works verbatim (as a user's own key)" test "$out" = cluster-node-2 \
    || { echo "$out"; cat "$WORK/ssh-verbatim.err"; }
  kill "$agent_pid" 2>/dev/null
  check "host mode: lab status is healthy" quietly "$WORK/status-host.log" in_host scripts/lab.sh --stack "$STACK" status \
    || cat "$WORK/status-host.log"
  out="$(in_host scripts/lab.sh --stack "$STACK" vnc 1)"
  port="${out##*:}"
  check "host mode: lab vnc prints a display that answers as VNC ($out)" \
    test "$(vnc_banner "$port" in_host)" = "RFB 003.008"
}

# Namespace mode, from the test's own shell: lab enters the namespace itself.
namespace_mode_checks() {
  [ -n "$HOSTNS" ] || { record SKIP "namespace mode: the daemon runs in this very namespace (a real system libvirt)"; return 0; }
  check "namespace mode: lab status is healthy without ip netns exec" \
    quietly "$WORK/status-ns.log" scripts/lab.sh --stack "$STACK" status || cat "$WORK/status-ns.log"
  scripts/lab.sh --stack "$STACK" ssh-config "$WORK/ns.ssh" >/dev/null
  check "namespace mode: plain ssh -F with lab ssh-config reaches node 2" \
    test "$(timeout 60 ssh -F "$WORK/ns.ssh" cluster-node-2 hostname </dev/null 2>"$WORK/ssh-f.err")" = cluster-node-2 \
    || cat "$WORK/ssh-f.err"
  scripts/lab.sh --stack "$STACK" vnc 2 >"$WORK/vnc.out" 2>&1 &
  local fwd=$! port=""
  for _ in $(seq 1 30); do
    port="$(grep -o 'vnc://127.0.0.1:[0-9]*' "$WORK/vnc.out" | cut -d: -f3)"
    [ -z "$port" ] || break
    sleep 1
  done
  check "namespace mode: lab vnc forwards node 2's display to this host's 127.0.0.1:${port:-?}" \
    test "$(vnc_banner "${port:-0}")" = "RFB 003.008" || cat "$WORK/vnc.out"
  kill "$fwd" 2>/dev/null; wait "$fwd" 2>/dev/null
}

# A stack whose nodeCidr overlaps another stack's network fails at preview, naming both.
collision_checks() {
  local clash="$STACK-c" cidr out rc=0
  cidr="$(pulumi config get --stack "$STACK" nodeCidr)"
  pulumi stack init "$clash" --secrets-provider passphrase --no-select >/dev/null
  grep -v '^encryptionsalt' Pulumi.ci.yaml | sed '/^config:/,$!d' >> "Pulumi.$clash.yaml"
  pulumi config set --stack "$clash" nodeCidr "$cidr" >/dev/null
  pulumi config set --stack "$clash" wireguardCidr "$(pulumi config get --stack "$STACK" wireguardCidr)" >/dev/null
  out="$(in_host pulumi preview --stack "$clash" 2>&1)" || rc=$?
  check "preview of a stack whose nodeCidr overlaps another stack's network fails" test "$rc" -ne 0
  check "the error names nodeCidr and the network it collides with" \
    grep -q "clusteros-lab:nodeCidr = \"$cidr\": overlaps libvirt network clusteros-lab-$STACK-net" <<<"$out" \
    || tail -20 <<<"$out"
  check "that preview created nothing" test "$(pulumi stack export --stack "$clash" | jq '.deployment.resources // [] | length')" -eq 0
  lab_stack_rm "$clash"
  rm -f "Pulumi.$clash.yaml"
}

# --- faults (issue: drift, interruptions, secrets at rest) ---------------------------------

# kill_up_during PATTERN LOG: start pulumi up, and kill -9 the pulumi CLI 20 s after its
# progress shows PATTERN (a step that runs remote scripts on a booting node).
kill_up_during() {
  local pattern="$1" log="$2" bg pid
  in_host pulumi up --stack "$STACK" --yes --skip-preview >"$log" 2>&1 &
  bg=$!
  until_ok 900 grep -q -- "$pattern" "$log" || { record FAIL "pulumi up never reached '$pattern'"; tail -20 "$log"; }
  sleep 20
  pid="$(pgrep -o -f -- "pulumi up --stack $STACK --yes")"
  echo "  killing pulumi (pid $pid) with SIGKILL"
  kill -9 "$pid"
  wait "$bg" 2>/dev/null
  check "the killed up did not finish" bash -c "! grep -q '^Resources:' '$log'"
}

refreshes_ok() {
  local i
  for i in $(seq 1 "$1"); do
    in_host pulumi refresh --stack "$STACK" --yes --skip-preview >"$WORK/refresh-$i.log" 2>&1 \
      || { echo "refresh $i failed:"; tail -20 "$WORK/refresh-$i.log"; return 1; }
  done
}

refresh_checks() {
  check "$1 pulumi refresh in a row, none failing (seeds are plain volumes, nothing reads an ISO back)" refreshes_ok "$1"
  check "and preview still shows no changes" quietly "$WORK/preview-after-refresh.log" \
    in_host pulumi preview --stack "$STACK" --expect-no-changes || tail -20 "$WORK/preview-after-refresh.log"
}

# mode_ok FILE MASK: none of MASK's permission bits are set on FILE.
mode_ok() { [ $(( 8#$(stat -c %a "$1") & 8#$2 )) -eq 0 ] || { echo "$1 is mode $(stat -c %a "$1")"; return 1; }; }

secrets_at_rest_checks() {
  local pool="/var/lib/libvirt/images/$PREFIX" f bad=0
  check "the pool directory cannot be listed or read by other users" mode_ok "$pool" 044
  for f in "$pool"/*-cidata-*.iso "$pool"/*-disk.qcow2; do mode_ok "$f" 077 || bad=1; done
  check "seed ISOs and node disks (they hold the secrets) are readable by their owner only" test "$bad" -eq 0
  check "the seeds built before upload are in a directory only root can enter" mode_ok "$LAB_STATE/seeds/$PREFIX" 077
  check "the published passphrase (clusteros-lab) does not open the stack's state" \
    bash -c "! PULUMI_CONFIG_PASSPHRASE_FILE= PULUMI_CONFIG_PASSPHRASE=clusteros-lab pulumi stack export --stack '$STACK' --show-secrets >/dev/null 2>&1"
  if [ -n "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
    check "the state passphrase file is readable by its owner only" mode_ok "$PULUMI_CONFIG_PASSPHRASE_FILE" 077
  fi
  stack_secret_values > "$WORK/secrets.txt"
  check "the stack has secrets to look for (cluster key, K3s token)" test "$(wc -l < "$WORK/secrets.txt")" -ge 2
  check "no secret in the stack's serial logs" \
    bash -c "! grep -l -F -f '$WORK/secrets.txt' -e 'PRIVATE KEY' /var/log/libvirt/qemu/$PREFIX-node-*-serial.log"
  scripts/lab.sh --stack "$STACK" status >"$WORK/status-secrets.txt" 2>&1
  check "no secret in lab status" bash -c "! grep -q -F -f '$WORK/secrets.txt' '$WORK/status-secrets.txt'"
  rm -f "$WORK/secrets.txt"
}

# The stack's hex secrets (cluster key, K3s token), one per line, from its state.
# --show-secrets still wraps a secret: { <signature>: ..., plaintext: "<JSON of the value>" }.
stack_secret_values() {
  pulumi stack export --stack "$STACK" --show-secrets | jq -r '.deployment.resources // [] | .[]
    | select(.type | endswith(":RandomBytes")) | .outputs // {} | select(.encoding == "hex") | .value
    | if type == "object" and has("plaintext") then .plaintext | fromjson else . end | strings'
}
