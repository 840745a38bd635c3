#!/usr/bin/env bash
# bench.sh: what a ClusterOS Lab cluster costs, measured in one run so ratios hold on a
# noisy machine. Prints a table and writes it as JSON to bench/results/<time>.json with a
# description of the machine. Uses its own stack (ci settings on free ranges, live node
# agent) on the running libvirt daemon, or on one of its own (tests/e2e/daemon.sh), and
# leaves nothing behind. Not part of the test command: `make bench` (all measures),
# `make bench ONLY=p2` (N=1 and N=3 from nothing, and the first boot against a bare Debian
# guest), or `make bench ONLY=p7` (a 3-node up from nothing and the checkpoint restore).
set -uo pipefail
. "$(dirname "$0")/../scripts/lib/common.sh"
. "$LAB_ROOT/tests/e2e/lib.sh"
. "$LAB_ROOT/tests/e2e/daemon.sh"
. "$LAB_ROOT/bench/first-boot.sh"
lab_load_env
cd "$LAB_ROOT" || exit 1

STACK="bench-$(date +%s)"
WORK="$(mktemp -d /tmp/clusteros-bench.XXXXXX)"
E2E_RESULTS=/dev/null
# shellcheck disable=SC2034 # set by record() in tests/e2e/lib.sh
FAILED=0
PREFIX="clusteros-lab-$STACK"
KEY="$WORK/id"
USER_NAME=clusteros
PROBE_FILE="$LAB_ROOT/images/common/provision/90-cleanup.sh"
declare -A R=()

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

# up LOGNAME: pulumi up; sets UP_SECONDS and PACKER_RUNS.
up() {
  local t0; t0="$(now)"
  if ! in_host pulumi up --stack "$STACK" --yes --skip-preview >"$WORK/$1.log" 2>&1; then
    local keep="$LAB_STATE/bench-failures/$STACK"
    mkdir -p "$keep" && cp "$WORK/$1.log" "$keep/"
    sed -n '/^Diagnostics:/,/^Outputs:/p' "$WORK/$1.log" | head -40
    echo "bench: up '$1' failed; its log is kept in $keep/$1.log"
    report
    exit 1
  fi
  UP_SECONDS="$(since "$t0")"
  # Each log line shows up twice (live, and again under Diagnostics): count distinct builds.
  PACKER_RUNS="$(grep -o 'packer: ==> packer build .*' "$WORK/$1.log" | sort -u | wc -l)"
}
destroy() { in_host pulumi destroy --stack "$STACK" --yes --skip-preview >"$WORK/destroy.log" 2>&1 || tail -20 "$WORK/destroy.log"; }
set_cfg() { pulumi config set --stack "$STACK" "$1" "$2" >/dev/null; }
last_changes() {
  pulumi stack history --stack "$STACK" --json \
    | jq -r '.[0].resourceChanges // {} | [.create, .update, .replace, .delete] | map(. // 0) | join(" ")'
}
refresh_nodes() {
  pulumi stack output --stack "$STACK" automationPrivateKey --show-secrets > "$KEY"; chmod 600 "$KEY"
  read_ips
}

cleanup() {
  [ -f "$WORK/probe.orig" ] && cp "$WORK/probe.orig" "$PROBE_FILE"
  destroy
  pulumi stack rm "$STACK" --yes --force >/dev/null 2>&1
  rm -f "Pulumi.$STACK.yaml"
  daemon_release
  rm -rf "$WORK"
}

main() {
  trap 'cleanup' EXIT
  images/debian/build-base.sh >/dev/null || lab_die "the Debian base could not be built"
  scripts/kubernetes.sh build >/dev/null || lab_die "the Kubernetes bundle could not be built (make kubernetes)"
  daemon_acquire "clab-bench-$$"
  new_stack "$STACK" 1
  printf '#!/bin/sh\n# bench agent v1\nexec sleep infinity\n' > "$WORK/node-agent"; chmod +x "$WORK/node-agent"
  set_cfg nodeAgentPath "$WORK/node-agent"
  set_cfg nodeAgentDelivery live

  if [ "$MEASURES" = p7 ]; then
    set_cfg nodeCount 3; up n3; R[up_n3]="$UP_SECONDS"
    p7_checkpoint
    report
    return
  fi
  if [ "$MEASURES" = p2 ]; then
    up n1warm; R[up_n1_warm]="$UP_SECONDS"
    p2_first_boot
    destroy; set_cfg nodeCount 3; up n3; R[up_n3]="$UP_SECONDS"
    report
    return
  fi

  echo "== P2 (N=1) and P1: first up"
  up n1; R[up_n1]="$UP_SECONDS"; R[packer_first]="$PACKER_RUNS"
  refresh_nodes

  echo "== P4: copy-on-write allocation"
  local base disk_alloc base_alloc
  base="$(virsh -c qemu:///system vol-list "$PREFIX-pool" | awk '/-base-/ {print $2}')"
  base_alloc="$(qemu-img info --output=json "$base" | jq '."actual-size"')"
  disk_alloc="$(qemu-img info --output=json -U "/var/lib/libvirt/images/$PREFIX/$PREFIX-node-1-disk.qcow2" \
    | jq '."actual-size"')"
  R[cow_node_bytes]="$disk_alloc"; R[cow_base_bytes]="$base_alloc"
  # The volume as the provider creates it: an empty qcow2 overlay on the base.
  qemu-img create -q -f qcow2 -F qcow2 -b "$base" "$WORK/overlay.qcow2" 8G
  R[cow_created_bytes]="$(qemu-img info --output=json "$WORK/overlay.qcow2" | jq '."actual-size"')"

  echo "== P3: no-op up"
  up noop; R[up_noop]="$UP_SECONDS"; R[packer_noop]="$PACKER_RUNS"

  echo "== P1: a provisioning file changes"
  cp "$PROBE_FILE" "$WORK/probe.orig"
  echo "# bench $(date +%s)" >> "$PROBE_FILE"
  up provision; R[packer_provision]="$PACKER_RUNS"
  R[image_build]="$(grep -o 'finished after [0-9]* minutes\? [0-9]* seconds\|finished after [0-9]* seconds' "$WORK/provision.log" | head -1)"
  cp "$WORK/probe.orig" "$PROBE_FILE"; rm -f "$WORK/probe.orig"
  up restore; R[packer_restore]="$PACKER_RUNS"

  echo "== P2: N=1, 2 and 3 from nothing, image cached"
  destroy; up n1warm; R[up_n1_warm]="$UP_SECONDS"
  p2_first_boot
  destroy; set_cfg nodeCount 2; up n2; R[up_n2]="$UP_SECONDS"; R[packer_n2]="$PACKER_RUNS"
  destroy; set_cfg nodeCount 3; up n3; R[up_n3]="$UP_SECONDS"
  p7_checkpoint

  echo "== P5: scale out 3 -> 4"
  set_cfg nodeCount 4; up n4; R[scale_out]="$UP_SECONDS"; R[scale_out_changes]="$(last_changes)"
  refresh_nodes

  echo "== P6: a new node-agent binary reaches every node"
  printf '#!/bin/sh\n# bench agent v2\nexec sleep infinity\n' > "$WORK/node-agent"
  local want t0; want="$(sha256sum "$WORK/node-agent" | cut -d' ' -f1)"; t0="$(now)"
  up agent; R[agent_up]="$UP_SECONDS"
  local n ok=0
  for n in 1 2 3 4; do
    [ "$(on "$n" sha256sum /usr/local/bin/clusteros-node-agent | cut -d' ' -f1)" = "$want" ] \
      && on "$n" systemctl is-active --quiet clusteros-node-agent && ok=$((ok + 1))
  done
  R[agent_total]="$(since "$t0")"; R[agent_nodes_updated]="$ok"; R[agent_changes]="$(last_changes)"

  report
}

# P2's first boot: node 1 profiled from inside, then a bare Debian guest booted the same way.
p2_first_boot() {
  echo "== P2: first boot of one node, against a bare Debian guest"
  refresh_nodes
  first_boot_profile
  bare_boot
}

# P7: the 3-node cluster saved, broken (slurmd stopped on node 2, node 3 powered off) and
# restored until lab status is healthy; against the 3-node up from nothing.
p7_checkpoint() {
  echo "== P7: checkpoint restore of 3 nodes"
  local lab=("$LAB_ROOT/scripts/lab.sh" --stack "$STACK") t0 out
  refresh_nodes
  t0="$(now)"; in_host "${lab[@]}" checkpoint save bench >/dev/null || { echo "bench: checkpoint save failed"; return; }
  R[checkpoint_save]="$(since "$t0")"
  on 2 sudo systemctl stop slurmd
  virsh -c qemu:///system destroy "$PREFIX-node-3" >/dev/null
  t0="$(now)"
  out="$(in_host "${lab[@]}" checkpoint restore bench 2>&1)" || { echo "$out" | tail -20; echo "bench: restore failed"; return; }
  R[restore_total]="$(since "$t0")"
  R[restore_healthy]="$(sed -n 's/^healthy \([0-9.]*\) s after the restore began$/\1/p' <<<"$out")"
  R[restore_reverted]="$(sed -n 's/.*resumed together after \([0-9.]*\) s$/\1/p' <<<"$out")"
  in_host "${lab[@]}" checkpoint rm bench >/dev/null
}

report() {
  local out
  out="$LAB_ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ).json"
  mkdir -p "$(dirname "$out")"
  local p2 p3 p4 read_changes bare_ci="${R[boot_bare_cloudinit]:-n/a}"
  p2="$(ratio "${R[up_n3]:-n/a}" "${R[up_n1_warm]:-n/a}")"
  p3="$(ratio "${R[up_noop]:-n/a}" "${R[up_n1_warm]:-n/a}")"
  p7="$(ratio "${R[restore_total]:-n/a}" "${R[up_n3]:-n/a}")"
  p4="$(awk -v a="${R[cow_node_bytes]:-n/a}" -v b="${R[cow_base_bytes]:-n/a}" 'BEGIN { printf "%.2f", 100 * a / b }')"
  read -r c u r d <<<"${R[scale_out_changes]:-n/a}"
  read_changes="created $c, updated $u, replaced $r, deleted $d"
  # ONLY=p2 or p7 measured a part: its table has just those rows.
  local keep='.'
  [ "$MEASURES" = p7 ] && keep='^(|ClusterOS.*|\| measure.*|\|---.*|\| P2 up.*|\| P7.*)$'
  [ "$MEASURES" = p2 ] && keep='^(|ClusterOS.*|\| measure.*|\|---.*|\| P2.*)$'
  grep -E "$keep" <<EOF

ClusterOS Lab benchmark ($(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, domain type qemu/TCG)
| measure | value | ideal |
|---|---|---|
| P1 Packer runs: first up / no-op / nodeCount change / provisioning file changed / restored | ${R[packer_first]:-n/a} / ${R[packer_noop]:-n/a} / ${R[packer_n2]:-n/a} / ${R[packer_provision]:-n/a} / ${R[packer_restore]:-n/a} | - / 0 / 0 / 1 / 0 |
| P1 image build (Packer) | ${R[image_build]:-n/a} (first up with it: ${R[up_n1]:-n/a}s) | |
| P2 up from nothing (image cached), N=1 / 2 / 3 | ${R[up_n1_warm]:-n/a}s / ${R[up_n2]:-n/a}s / ${R[up_n3]:-n/a}s | |
| P2 ratio N=3 / N=1 | $p2 | ~1.5 |
| P2 first boot in the guest (systemd, kernel + userspace): lab node / bare Debian (same image and domain, no seed: cloud-init $bare_ci) | ${R[boot_node_systemd]:-n/a}s / ${R[boot_bare_systemd]:-n/a}s (bare guest answering after ${R[boot_bare_wall]:-n/a}s) | |
| P2 slowest units of the lab node's first boot | ${R[boot_node_top]:-n/a} | |
| P3 no-op up / full up of the same stack (N=1, image cached) | ${R[up_noop]:-n/a}s / ${R[up_n1_warm]:-n/a}s = $p3 | < 0.15 |
| P4 node disk / base image: as created; after first boot | ${R[cow_created_bytes]:-n/a} B; ${R[cow_node_bytes]:-n/a} / ${R[cow_base_bytes]:-n/a} B = $p4 % | < 5 % |
| P5 scale out 3 -> 4 | ${R[scale_out]:-n/a}s ($read_changes) vs N=1 up ${R[up_n1_warm]:-n/a}s | replaced 0 |
| P7 3-node checkpoint: save (whole command) / restore: reverted and resumed; healthy after; whole command | ${R[checkpoint_save]:-n/a}s / ${R[restore_reverted]:-n/a}s; ${R[restore_healthy]:-n/a}s; ${R[restore_total]:-n/a}s | restore < 10s |
| P7 ratio restore (whole command) / 3-node up from nothing | $p7 (${R[restore_total]:-n/a}s / ${R[up_n3]:-n/a}s) | < 0.05 |
| P6 new node-agent on 4 nodes | ${R[agent_total]:-n/a}s (up ${R[agent_up]:-n/a}s), ${R[agent_nodes_updated]:-n/a}/4 nodes run it | < 120s |
EOF
  local pairs=() k
  for k in "${!R[@]}"; do pairs+=("$k" "${R[$k]}"); done
  jq -n --arg cpuModel "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)" \
    --argjson cpus "$(nproc)" --argjson memKiB "$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)" --arg kernel "$(uname -r)" \
    '{ when: (now | todate), machine: { $cpus, $cpuModel, memGiB: ($memKiB / 1048576 | round), $kernel, domainType: "qemu (TCG)" },
       results: ($ARGS.positional as $kv | [range(0; $kv | length; 2) | { ($kv[.]): $kv[. + 1] }] | add // {}) }' \
    --args "${pairs[@]}" > "$out"
  echo "written to $out"
}

MEASURES="${1:-all}"
case "$MEASURES" in all | p2 | p7) main ;; *) lab_die "bench.sh [all|p2|p7]: no measure set '$1'" ;; esac
