# shellcheck shell=bash
# Sourced by bench.sh: where a node's first boot goes, against a bare Debian guest booted
# the same way. Both numbers are systemd's own ("Startup finished": kernel + userspace, in
# the guest), so they compare the same span; the bench's P2 adds the wall time of `up`.
# Needs: PREFIX, WORK, R, now/since, on (ssh to a node) from bench.sh.

# shellcheck disable=SC2034 # R: bench.sh's results, read by its report
declare -gA R
BARE_XSL="$LAB_ROOT/bench/bare-domain.xsl"
V=(virsh -c qemu:///system)

# agent_exec DOMAIN PROGRAM ARGS...: runs PROGRAM in the guest through the QEMU guest agent;
# prints its standard output and returns its exit code (1 if the agent does not answer).
agent_exec() {
  local dom="$1" req pid status
  req="$(jq -nc --arg path "$2" '{ execute: "guest-exec", arguments: { $path, arg: $ARGS.positional, "capture-output": true } }' \
    --args "${@:3}")"
  pid="$("${V[@]}" qemu-agent-command "$dom" "$req" 2>/dev/null | jq -e .return.pid)" || return 1
  for _ in $(seq 300); do
    status="$("${V[@]}" qemu-agent-command "$dom" "{\"execute\":\"guest-exec-status\",\"arguments\":{\"pid\":$pid}}" 2>/dev/null)" \
      || return 1
    if jq -e .return.exited <<<"$status" >/dev/null; then
      jq -r '.return["out-data"] // ""' <<<"$status" | base64 -d
      return "$(jq '.return.exitcode // 1' <<<"$status")"
    fi
    sleep 0.2
  done
  return 1
}

# startup_seconds: the total of systemd-analyze's "Startup finished in ... = TOTAL" line.
startup_seconds() {
  sed -n 's/^Startup finished in .* = \(.*\)$/\1/p' | head -1 | awk '{
    t = 0; for (i = 1; i <= NF; i++) { v = $i
      if (v ~ /min$/) { sub(/min$/, "", v); t += v * 60 } else if (v ~ /ms$/) { sub(/ms$/, "", v); t += v / 1000 }
      else if (v ~ /s$/) { sub(/s$/, "", v); t += v } }
    printf "%.1f", t }'
}

# top_units: the four slowest units of `systemd-analyze blame` as "unit time, ...".
# A unit's time may be several words ("2min 1.756s"): the unit is the last field.
top_units() { awk '{ u = $NF; $NF = ""; sub(/ +$/, ""); printf "%s%s %s", (NR > 1 ? ", " : ""), u, $0 } NR == 4 { exit }'; }

# first_boot_profile: node 1 of the running stack, from inside: systemd's startup time and
# the slowest units of its first boot.
first_boot_profile() {
  local out
  out="$(on 1 systemd-analyze time 2>/dev/null)"
  R[boot_node_systemd]="$(startup_seconds <<<"$out")"
  R[boot_node_top]="$(on 1 systemd-analyze blame 2>/dev/null | top_units)"
}

# bare_boot: a copy of node 1's domain without identity or seed, on a fresh overlay of the
# same base volume, started from the image's kernel and initramfs with cloud-init disabled,
# and timed until systemd reports startup finished. The guest and its volumes are removed
# whatever happened, so the stack's pool can still be destroyed.
bare_boot() {
  local rc=0 f
  bare_boot_run || rc=$?
  "${V[@]}" destroy "$PREFIX-bare" >/dev/null 2>&1
  for f in "$PREFIX-bare.qcow2" "$PREFIX-bare-vmlinuz" "$PREFIX-bare-initrd.img"; do
    "${V[@]}" vol-delete --pool "$PREFIX-pool" "$f" >/dev/null 2>&1
  done
  return "$rc"
}

bare_boot_run() {
  local name="$PREFIX-bare" pool="$PREFIX-pool" vol="$PREFIX-bare.qcow2" base hash boot cmdline f t0 out=""
  base="$("${V[@]}" vol-list "$pool" | awk '/-base-/ {print $1; exit}')"
  hash="${base##*-base-}"; hash="${hash%.qcow2}"   # the image's content hash names its cache directory
  boot="$(compgen -G "$LAB_CACHE/images/*-$hash" | head -1)/boot"
  [ -f "$boot/vmlinuz" ] || { echo "bench: no kernel of the image in $boot"; return 1; }
  # Without cloud-init nothing configures its network, and systemd-networkd-wait-online would
  # wait out its 2 minutes: masked, so the bare guest is the floor of a boot of this image.
  cmdline="$(on 1 cat /proc/cmdline | sed 's/^BOOT_IMAGE=[^ ]* //') cloud-init=disabled"
  cmdline+=" systemd.mask=systemd-networkd-wait-online.service"
  # Kernel and initramfs go in the pool too, where the QEMU user may read them.
  for f in vmlinuz initrd.img; do
    "${V[@]}" vol-create-as "$pool" "$PREFIX-bare-$f" "$(stat -c %s "$boot/$f")" --format raw >/dev/null &&
      "${V[@]}" vol-upload --pool "$pool" "$PREFIX-bare-$f" "$boot/$f" || return 1
  done
  "${V[@]}" vol-create-as "$pool" "$vol" 8G --format qcow2 --backing-vol "$base" --backing-vol-format qcow2 >/dev/null \
    || { echo "bench: no overlay for the bare guest"; return 1; }
  "${V[@]}" dumpxml --inactive "$PREFIX-node-1" | xsltproc --stringparam name "$name" --stringparam volume "$vol" \
    --stringparam kernel "$("${V[@]}" vol-path --pool "$pool" "$PREFIX-bare-vmlinuz")" \
    --stringparam initrd "$("${V[@]}" vol-path --pool "$pool" "$PREFIX-bare-initrd.img")" \
    --stringparam cmdline "$cmdline" "$BARE_XSL" - > "$WORK/bare.xml"
  t0="$(now)"
  "${V[@]}" create "$WORK/bare.xml" >/dev/null || { echo "bench: the bare guest did not start"; return 1; }
  for _ in $(seq 600); do
    out="$(agent_exec "$name" /usr/bin/systemd-analyze time 2>/dev/null)" && break
    sleep 1
  done
  R[boot_bare_wall]="$(since "$t0")"
  R[boot_bare_systemd]="$(startup_seconds <<<"$out")"
  R[boot_bare_cloudinit]="$(agent_exec "$name" /usr/bin/systemctl is-active cloud-init.target)"
}
