# shellcheck shell=bash
# Where the lab runs on this machine: its mode. Sourced by common.sh; `lab_mode` sets
#   LAB_MODE       host | namespace
#   LAB_NETNS      the lab namespace (namespace mode), empty in host mode
#   LAB_MODE_WHY   one line saying why, printed by `make up` and `scripts/libvirtd.sh mode`
#
# host       the libvirt daemon that serves qemu:///system where this shell runs is used as
#            it is (a systemd service on a workstation). The lab never starts, stops or
#            reconfigures it; nodes are reachable from this shell.
# namespace  one network namespace holds one libvirtd (started by the lab when none runs)
#            and every stack's bridges and guests; the lab enters it for you.
#
# Chosen per machine, in this order:
#   1. CLUSTEROS_LAB_MODE=host|namespace (make MODE=...), or CLUSTEROS_LAB_NETNS=name (make NETNS=...)
#   2. a running libvirt daemon (libvirtd or virtqemud): in this shell's network namespace,
#      or one this user may not look into (root's service, seen by a user in the libvirt
#      group) -> host; in a named namespace -> namespace mode with that namespace
#   3. no daemon, but systemd is PID 1 (it starts libvirt on demand) -> host
#   4. otherwise (sandboxes, containers, this project's CI) -> namespace clusteros-lab

# shellcheck disable=SC2034 # LAB_MODE, LAB_NETNS and LAB_MODE_WHY are read by the sourcing scripts
LAB_DEFAULT_NETNS=clusteros-lab

# Facts, each its own function so the decision can be tested with other facts.
lab_fact_daemon_pid() { pgrep -xo 'libvirtd|virtqemud' 2>/dev/null || true; }
lab_fact_netns_visible() { readlink "/proc/$1/ns/net" >/dev/null 2>&1; }
lab_fact_same_netns() { [ "$(readlink "/proc/$1/ns/net" 2>/dev/null)" = "$(readlink /proc/self/ns/net)" ]; }
lab_fact_netns_of() { ip netns identify "$1" 2>/dev/null || true; }
lab_fact_systemd() { [ -d /run/systemd/system ]; }

lab_mode() {
  local explicit="${CLUSTEROS_LAB_MODE:-}" ns="${CLUSTEROS_LAB_NETNS:-}" pid where
  case "$explicit" in
    host)
      LAB_MODE=host LAB_NETNS="" LAB_MODE_WHY="host mode: CLUSTEROS_LAB_MODE=host"
      return 0 ;;
    namespace)
      LAB_MODE=namespace LAB_NETNS="${ns:-$LAB_DEFAULT_NETNS}"
      LAB_MODE_WHY="namespace mode ($LAB_NETNS): CLUSTEROS_LAB_MODE=namespace"
      return 0 ;;
    "") ;;
    *) lab_die "CLUSTEROS_LAB_MODE (make MODE=) is '$explicit': use host or namespace, or leave it unset to detect" ;;
  esac
  if [ -n "$ns" ]; then
    LAB_MODE=namespace LAB_NETNS="$ns" LAB_MODE_WHY="namespace mode ($ns): CLUSTEROS_LAB_NETNS=$ns"
    return 0
  fi
  pid="$(lab_fact_daemon_pid)"
  if [ -n "$pid" ]; then
    # A user who is not root cannot see the namespace of root's daemon (a workstation's
    # libvirt service): a service runs in the host's namespace, which is the user's.
    if ! lab_fact_netns_visible "$pid"; then
      LAB_MODE=host LAB_NETNS=""
      LAB_MODE_WHY="host mode: the libvirt daemon (pid $pid) runs as another user, as a system service does; the lab uses it as it is"
      return 0
    fi
    if lab_fact_same_netns "$pid"; then
      LAB_MODE=host LAB_NETNS="" LAB_MODE_WHY="host mode: the libvirt daemon (pid $pid) runs here; the lab uses it as it is"
      return 0
    fi
    where="$(lab_fact_netns_of "$pid")"
    if [ -n "$where" ]; then
      LAB_MODE=namespace LAB_NETNS="$where"
      LAB_MODE_WHY="namespace mode ($where): the libvirt daemon (pid $pid) runs in network namespace $where"
      return 0
    fi
    LAB_MODE=host LAB_NETNS=""
    LAB_MODE_WHY="host mode: the libvirt daemon (pid $pid) runs in an unnamed network namespace; nodes may be unreachable from here"
    return 0
  fi
  if lab_fact_systemd; then
    LAB_MODE=host LAB_NETNS="" LAB_MODE_WHY="host mode: systemd is PID 1 and starts libvirt on demand"
    return 0
  fi
  LAB_MODE=namespace LAB_NETNS="$LAB_DEFAULT_NETNS"
  LAB_MODE_WHY="namespace mode ($LAB_DEFAULT_NETNS): no libvirt daemon runs and PID 1 is not systemd, so the lab runs its own in namespace $LAB_DEFAULT_NETNS"
}

# lab_in_place CMD...: run CMD where the nodes are reachable (inside the lab namespace in
# namespace mode, here in host mode), with CLUSTEROS_LAB_NETNS saying which.
lab_in_place() {
  lab_mode
  if [ "$LAB_MODE" = namespace ]; then
    CLUSTEROS_LAB_NETNS="$LAB_NETNS" ip netns exec "$LAB_NETNS" "$@"
  else
    CLUSTEROS_LAB_NETNS="" "$@"
  fi
}
