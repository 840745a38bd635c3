# shellcheck shell=bash
# What an interrupted `pulumi up` (Ctrl-C, kill -9, a crash) leaves behind, cleared so that
# one plain `make up` converges. Sourced by scripts/up.sh after lab_load_env.
#   - a lock whose process is gone: cancelled, with a message;
#   - pending creates: a libvirt object that was made but never recorded (found by its
#     name, which always starts with the stack's prefix, on the host whose provider made
#     it) is removed, and the pending entries are dropped, so the update creates them
#     again. Remote scripts need nothing here: they take a lock on the node
#     (components/providers/remote-command.ts);
#   - a node's domain defined by a create whose start failed, on any host of the stack,
#     which the state never recorded (scripts/lib/orphans.ts says why).

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

# Removes a libvirt object of the stack that a failed or interrupted run made but never
# recorded (scripts/lib/orphans.ts finds them, with the URI of the host they are on).
lab_remove_orphan() {
  local uri="$1" type="$2" name="$3" why="$4" pool
  case "$name" in "$LAB_PROJECT-"*) ;; *) return 0 ;; esac # never anything but the stack's own
  case "$type" in
    libvirt:index/domain:Domain)
      virsh -c "$uri" destroy "$name" >/dev/null 2>&1 || true
      virsh -c "$uri" undefine "$name" --nvram >/dev/null 2>&1 && lab_log "removed domain $name on $uri, $why" ;;
    libvirt:index/network:Network)
      virsh -c "$uri" net-destroy "$name" >/dev/null 2>&1 || true
      virsh -c "$uri" net-undefine "$name" >/dev/null 2>&1 && lab_log "removed network $name on $uri, $why" ;;
    libvirt:index/volume:Volume)
      for pool in $(virsh -c "$uri" pool-list --all --name); do
        virsh -c "$uri" vol-delete "$name" --pool "$pool" >/dev/null 2>&1 \
          && lab_log "removed volume $name on $uri, $why"
      done ;;
  esac
  return 0
}

lab_recover() {
  local stack="$1" pid state uri type name why
  for pid in $(lab_stale_locks "$stack"); do
    lab_log "stack $stack is locked by pulumi (pid $pid), which no longer runs (an interrupted up): clearing its lock"
    pulumi cancel --stack "$stack" --yes >/dev/null
  done
  state="$(pulumi stack export --stack "$stack" 2>/dev/null)"
  while IFS=$'\t' read -r uri type name why; do
    [ -z "$name" ] || lab_remove_orphan "$uri" "$type" "$name" "$why"
  done < <("${LAB_TS[@]}" "$LAB_ROOT/scripts/lib/orphans.ts" "$LAB_PROJECT-$stack" "${LIBVIRT_DEFAULT_URI:-qemu:///system}" <<<"$state")
  [ "$(jq '.deployment.pending_operations // [] | length' <<<"$state" 2>/dev/null || echo 0)" -gt 0 ] || return 0
  lab_log "dropping the pending operations an interrupted run left from the state; the update makes them again"
  lab_in_place pulumi refresh --stack "$stack" --yes --skip-preview --clear-pending-creates >/dev/null
}
