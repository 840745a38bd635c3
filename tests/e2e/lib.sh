# shellcheck shell=bash
# Helpers of the end-to-end test: phases with durations, recorded checks, the stacks' settings,
# running its vitest files.
# Expects STACK, PREFIX, WORK, E2E_RESULTS from e2e.sh, and in_host, HOSTNS, DAEMON_PID from
# daemon.sh.

# e2e_run_start NAME: the variables of one end-to-end run: STACK (NAME-<run id>), PREFIX (its
# libvirt names), WORK (scratch), KEEP (where a failed run's logs go), FAILED, E2E_RESULTS.
e2e_run_start() {
  RUN_ID="$(date +%s)-$$"
  STACK="$1-$RUN_ID"
  # shellcheck disable=SC2034 # read by record and the sourcing scripts
  E2E_RESULTS="${E2E_RESULTS:-/dev/null}" KEEP="$LAB_STATE/e2e-failures/$RUN_ID" FAILED=0 PREFIX="clusteros-lab-$STACK"
  WORK="$(mktemp -d "/tmp/clusteros-$1.XXXXXX")"
  echo $$ > "$WORK/pid" # whose it is, for a later run's sweep (lab/sweep.ts)
}

# keep_logs_on_failure RC WHAT FILE...: after a failed run (a failed check, or exit status RC),
# FILEs (serial logs) and the run's own logs (WORK/*.log) are copied to KEEP, and a guest
# kernel's first lockup, stall or panic in them is printed (CI's log keeps only its tail).
keep_logs_on_failure() {
  local rc="$1" what="$2"; shift 2
  [ "$FAILED" -ne 0 ] || [ "$rc" -ne 0 ] || return 0
  mkdir -p "$KEEP"
  cp "$@" "$WORK"/*.log "$KEEP/" 2>/dev/null || true
  echo "$what: FAILED; serial and pulumi logs kept in $KEEP"
  local f
  for f in "$@"; do
    grep -m1 -E 'soft lockup|self-detected stall|Kernel panic' "$f" 2>/dev/null | sed "s|^|${f##*/}: |"
  done
  return 0
}

# e2e_run_end RC WHAT: the daemon released (daemon_release_checks, WHAT as in "the test"), the
# scratch directory removed, the phases' durations printed; succeeds when the run did.
e2e_run_end() {
  daemon_release_checks "$2"
  rm -rf "$WORK"
  print_phases
  [ "$FAILED" -eq 0 ] && [ "$1" -eq 0 ]
}

# destroy_stack STACK [CHECK]: pulumi destroy where the daemon is, then the stack removed; with
# CHECK, the destroy's success is a recorded check of that name. A failed destroy's log is kept.
destroy_stack() {
  local log="$WORK/destroy-$1.log" rc=0
  pulumi stack ls --json 2>/dev/null | grep -q "\"$1\"" || return 0
  in_host pulumi destroy --stack "$1" --yes --skip-preview >"$log" 2>&1 || rc=$?
  [ -z "${2:-}" ] || check "$2" test "$rc" -eq 0
  if [ "$rc" -ne 0 ]; then
    mkdir -p "$KEEP" && cp "$log" "$KEEP/"
    echo "e2e: destroy of $1 failed, see $KEEP/$(basename "$log")"; tail -20 "$log"
  fi
  lab_stack_rm "$1"
}

PHASES=()
_phase_name="" _phase_start=0
# The phase checks are recorded under: the last one begun (checks between phases belong to it).
_record_phase="setup"

phase() {
  _phase_name="$1"; _record_phase="$1"; _phase_start=$(date +%s); echo "=== $1"
  [ -z "${E2E_PHASES:-}" ] || printf '%s\t%s\n' "$_phase_start" "$1" >> "$E2E_PHASES" # scripts/cpu-watch.ts
}
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
# (status, phase, seconds, message), which scripts/test.ts counts (scripts/junit.ts reads it).
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

# e2e_base: the Debian base with the extra package every e2e stack adds to its image
# (new_stack), built outside the namespace (apt).
E2E_EXTRA_PACKAGES=tree
e2e_base() { images/debian/build-base.sh --extra-packages "$E2E_EXTRA_PACKAGES" >/dev/null; }

# new_stack NAME NODES: a stack with the ci stack's settings and the e2e's additions
# (tests/e2e/new-stack.ts), on network ranges that are free on the daemon (and not given to
# this test's other stacks, whose WireGuard ranges libvirt does not see).
new_stack() {
  take_ranges 2
  # E2E_KUBERNETES is a plain shell variable in kubernetes.sh: passed on, as the others.
  E2E_WORK="$WORK" E2E_EXTRA_PACKAGES="$E2E_EXTRA_PACKAGES" E2E_KUBERNETES="${E2E_KUBERNETES:-}" E2E_DOMAIN_TYPE="${E2E_DOMAIN_TYPE:-}" \
    "${LAB_TS[@]}" "$(lab_ts tests/e2e/new-stack.ts)" "$1" "$2" "${RANGES[@]}" || die "the stack $1 could not be made"
}

# kubernetes_of STACK: the stack's Kubernetes distribution (config key kubernetes; k3s by default).
kubernetes_of() { pulumi config get --stack "$1" kubernetes 2>/dev/null || echo k3s; }

# kubernetes_bundle STACK: the upstream Kubernetes bundle built when the stack runs it. Outside
# the namespace, like the Debian base: it needs the Go module proxy when not cached.
kubernetes_bundle() {
  [ "$(kubernetes_of "$1")" != upstream ] || scripts/kubernetes.sh build >/dev/null \
    || die "the Kubernetes bundle could not be built (make kubernetes)"
}

# record_vitest JSON EXIT WHAT: each test of vitest's JSON report that ran is a check of the
# current phase (skipped ones a SKIP); a run that failed without a failed test (a hook, a
# file that did not load) is a FAIL naming why. Vitest itself prints why a test failed.
record_vitest() {
  local json="$1" rc="$2" what="$3" status secs title
  [ -s "$json" ] || { record FAIL "the tests $what ran (exit $rc, no report)"; return 1; }
  while IFS=$'\t' read -r status secs title; do
    record "$status" "$title" "$secs"
  done < <(jq -r '.testResults[].assertionResults[] | select(.status != "todo")
    | [(if .status == "passed" then "PASS" elif .status == "failed" then "FAIL" else "SKIP" end), ((.duration // 0) / 1000 | floor),
       .title + (if .meta.skipReason then " (skipped: \(.meta.skipReason))" else "" end)] | @tsv' "$json")
  if [ "$rc" -ne 0 ] && [ "$(jq '.numFailedTests' "$json")" -eq 0 ]; then
    record FAIL "$what: $(jq -r '[.testResults[] | select(.status == "failed") | .message | split("\n")[0]] | join("; ")' "$json")"
  fi
  [ "$rc" -eq 0 ]
}

# api_run STACK FILE [VITEST ARGS...]: cluster tests written on clusteros-lab/testing
# (tests/cluster/), attached to the running STACK (make cluster-test STACK=...), or bringing up
# and destroying stacks of their own when STACK is empty.
api_run() {
  local stack="$1" json="$WORK/checks-$BASHPID.json" rc=0; shift
  rm -f "$json"
  env -u JUNIT_XML -u CLUSTEROS_LAB_TEST_STACK STACK="$stack" ${HOSTNS:+CLUSTEROS_LAB_NETNS="$HOSTNS"} \
    "$LAB_ROOT/scripts/cluster-test.sh" --reporter=default --reporter=json --outputFile.json="$json" "$@" || rc=$?
  record_vitest "$json" "$rc" "$*"
}

# e2e_run FILE [VITEST ARGS...]: the e2e's own test files (tests/e2e/*.test.ts), from the
# test's own shell, on this run's stack, scratch directory and daemon (tests/e2e/context.ts).
e2e_run() {
  local json="$WORK/checks-$BASHPID.json" rc=0
  rm -f "$json"
  env -u JUNIT_XML E2E_STACK="$STACK" E2E_HOSTNS="${HOSTNS:-}" E2E_WORK="$WORK" E2E_DAEMON_PID="${DAEMON_PID:-}" \
    npx vitest run --config tests/e2e/vitest.config.ts --reporter=default --reporter=json --outputFile.json="$json" "$@" || rc=$?
  record_vitest "$json" "$rc" "$*"
}

# api_checks FILE [VITEST ARGS...]: those tests on this test's stack.
api_checks() { api_run "$STACK" "$@"; }

# own_stack_checks NAME NODE_CIDR WG_CIDR: the test API's own up and destroy, as a user's test
# file runs them (tests/cluster/own-stack.test.ts: stack NAME, 1 node, those ranges), after an
# up of the same stack was killed (tests/e2e/interrupted-up.test.ts), then nothing of it left.
own_stack_checks() {
  local -x E2E_OWN_STACK="$1" E2E_OWN_NODE_CIDR="$2" E2E_OWN_WG_CIDR="$3" E2E_OWN_INTERRUPTED=1
  e2e_run tests/e2e/interrupted-up.test.ts
  api_run "" tests/cluster/own-stack.test.ts
  E2E_LEAK_STACKS="$1" e2e_run tests/e2e/leaks.test.ts
}

# repository_checks NAME NODE_CIDR WG_CIDR: ClusterOS's repository drives the lab
# (tests/e2e/from-repository.test.ts): the packed package installed in a repository outside
# this tree, its stack NAME (1 node, those ranges) up, tested and destroyed from there.
repository_checks() {
  E2E_REPO_STACK="$1" E2E_REPO_NODE_CIDR="$2" E2E_REPO_WG_CIDR="$3" e2e_run tests/e2e/from-repository.test.ts
}

# beside NAME FUNCTION ARGS...: runs a phase's other part in the background, while this shell
# runs its own: two 1-node clusters boot in the time of one on two cores. Its output goes to
# WORK/NAME.out, shown by join_beside; its checks are recorded as they end (record appends
# lines), in the phase it began in; a check it failed fails the run (its FAILED is its own).
# Ranges are taken before (take_ranges), never inside it.
BESIDE=()
beside() { local name="$1"; shift; ( "$@" && [ "$FAILED" -eq 0 ] ) > "$WORK/$name.out" 2>&1 & BESIDE+=("$name:$!"); }
join_beside() {
  local b
  for b in "${BESIDE[@]}"; do
    # shellcheck disable=SC2034 # FAILED is read by the scripts that source this file
    wait "${b#*:}" || FAILED=1
    echo "--- ${b%%:*}, which ran beside:"
    cat "$WORK/${b%%:*}.out"
  done
  BESIDE=()
}
# stop_beside: what still runs beside (a run that ends early) is stopped, with every process
# under it, before the stacks it uses are destroyed; its output so far is shown.
stop_beside() {
  local b
  for b in "${BESIDE[@]}"; do
    kill_tree "${b#*:}"
    echo "--- ${b%%:*}, which ran beside (stopped):"
    cat "$WORK/${b%%:*}.out" 2>/dev/null
  done
  BESIDE=()
}
# kill_tree PID: PID and every process below it, listed first, then signalled parent first (a
# shell signalled after its child would go on to its next command).
kill_tree() { local pids; pids="$(tree_pids "$1")"; kill $pids 2>/dev/null; }
tree_pids() { local c; echo "$1"; for c in $(pgrep -P "$1"); do tree_pids "$c"; done; }

# cluster_checks: every check of a healthy cluster, however many nodes it has now
# (tests/cluster/checks.test.ts: identity, first boot, node agent, mesh, munge, SLURM, Kubernetes).
cluster_checks() { api_checks tests/cluster/checks.test.ts; }

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


# The test's WiFi passphrase: set as a secret, it must never be readable in the state or
# the outputs, only in the installed machine's 0600 iwd file (tests/e2e/installer.test.ts).
E2E_PSK="e2e-psk-$RANDOM-$RANDOM-not-in-state"

# bare_metal_config STACK: a network pre-seed for machines installed from STACK's medium
# (wired DHCP, which the installed VM's user network answers, and a WiFi network).
bare_metal_config() {
  pulumi config set --stack "$1" --path bareMetal.network.wired.dhcp true >/dev/null
  pulumi config set --stack "$1" --path bareMetal.network.wifi.ssid "ClusterOS Lab" >/dev/null
  pulumi config set --stack "$1" --secret --path bareMetal.network.wifi.psk "$E2E_PSK" >/dev/null
}
