# shellcheck shell=bash
# What an interrupted `pulumi up` (Ctrl-C, kill -9, a crash) leaves behind, cleared so that
# one plain `make up` converges. Sourced by scripts/up.sh after lab_load_env.
#   - a lock whose process is gone: cancelled, with a message;
#   - pending creates: a libvirt object that was made but never recorded (found by its
#     name, which always starts with the stack's prefix) is removed, and the pending
#     entries are dropped, so the update creates them again. Remote scripts need nothing
#     here: they take a lock on the node (components/providers/remote-command.ts).

# Locks of the stack held by a process of this host that no longer runs.
lab_stale_locks() {
  local stack="$1" dir f
  dir="$LAB_STATE/backend/.pulumi/locks/organization/$LAB_PROJECT/$stack"
  for f in "$dir"/*.json; do
    [ -f "$f" ] || continue
    node -e '
      const l = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      let alive = true;
      try { process.kill(l.pid, 0); } catch (e) { alive = e.code === "EPERM"; }
      if (l.hostname === require("os").hostname() && !alive) console.log(l.pid);' "$f"
  done
}

# Pending operations in the stack's state: "operation type name" per line.
lab_pending_ops() {
  pulumi stack export --stack "$1" 2>/dev/null | node -e '
    const d = JSON.parse(require("fs").readFileSync(0, "utf8")).deployment || {};
    for (const op of d.pending_operations || []) {
      const r = op.resource || {};
      // libvirt objects by their libvirt name; others by their Pulumi name.
      console.log([op.type, r.type, (r.inputs && r.inputs.name) || String(r.urn).split("::").pop()].join(" "));
    }'
}

# Removes a libvirt object of the stack that a killed create made but never recorded.
lab_remove_orphan() {
  local type="$1" name="$2" uri="${LIBVIRT_DEFAULT_URI:-qemu:///system}" pool
  case "$name" in "$LAB_PROJECT-"*) ;; *) return 0 ;; esac # never anything but the stack's own
  case "$type" in
    libvirt:index/domain:Domain)
      virsh -c "$uri" destroy "$name" >/dev/null 2>&1 || true
      virsh -c "$uri" undefine "$name" --nvram >/dev/null 2>&1 && lab_log "removed domain $name, created by the interrupted run" ;;
    libvirt:index/network:Network)
      virsh -c "$uri" net-destroy "$name" >/dev/null 2>&1 || true
      virsh -c "$uri" net-undefine "$name" >/dev/null 2>&1 && lab_log "removed network $name, created by the interrupted run" ;;
    libvirt:index/volume:Volume)
      for pool in $(virsh -c "$uri" pool-list --all --name); do
        virsh -c "$uri" vol-delete "$name" --pool "$pool" >/dev/null 2>&1 \
          && lab_log "removed volume $name, created by the interrupted run"
      done ;;
  esac
  return 0
}

lab_recover() {
  local stack="$1" pid op type name pending
  for pid in $(lab_stale_locks "$stack"); do
    lab_log "stack $stack is locked by pulumi (pid $pid), which no longer runs (an interrupted up): clearing its lock"
    pulumi cancel --stack "$stack" --yes >/dev/null
  done
  pending="$(lab_pending_ops "$stack")"
  [ -n "$pending" ] || return 0
  while read -r op type name; do
    lab_log "pending $op of $type $name, left by an interrupted run"
    [ "$op" != creating ] || lab_remove_orphan "$type" "$name"
  done <<<"$pending"
  lab_log "dropping the pending operations from the state; the update makes them again"
  lab_in_place pulumi refresh --stack "$stack" --yes --skip-preview --clear-pending-creates >/dev/null
}
