# shellcheck shell=bash
# The libvirt daemon the e2e test and the bench run on, and the "host" it stands for.
#
# A daemon that already runs is used as it is (the user's own lab or system libvirt), and
# is never stopped. When none runs, one is started the lab's own way (namespace mode,
# scripts/libvirtd.sh start) in a namespace made for this run, and removed afterwards.
#
# Either way the daemon's network namespace plays the role of a host whose libvirt is a
# system service: `in_host CMD` runs CMD there, where the lab detects host mode. From the
# test's own shell the same daemon is namespace mode (unless it runs in this very
# namespace, as a real system daemon does: then both are host mode).
#
# Sets DAEMON_PID, HOSTNS ("" when the daemon runs where the test runs), DAEMON_STARTED,
# NETNS_BEFORE. Needs lab_fact_* (scripts/lib/mode.sh) and record/die (lib.sh).

# The network namespaces of this machine, sorted, on one line.
netns_names() { ip netns list | awk '{print $1}' | sort | paste -sd' '; }

# shellcheck disable=SC2034 # NETNS_BEFORE is read by the sourcing scripts
daemon_acquire() { # daemon_acquire NAMESPACE-TO-CREATE-IF-NEEDED
  NETNS_BEFORE="$(netns_names)"
  DAEMON_STARTED=0
  DAEMON_PID="$(lab_fact_daemon_pid)"
  if [ -z "$DAEMON_PID" ]; then
    scripts/libvirtd.sh start "$1" >/dev/null || die "libvirtd did not start in namespace $1"
    DAEMON_STARTED=1
    DAEMON_PID="$(lab_fact_daemon_pid)"
  fi
  if lab_fact_same_netns "$DAEMON_PID"; then HOSTNS=""; else HOSTNS="$(lab_fact_netns_of "$DAEMON_PID")"; fi
  echo "libvirt daemon: pid $DAEMON_PID, $([ -n "$HOSTNS" ] && echo "namespace $HOSTNS" || echo "this namespace")," \
    "$([ "$DAEMON_STARTED" -eq 1 ] && echo "started by this run" || echo "already running (left as it is)")"
}

# in_host CMD...: CMD where the daemon is, as a shell on a host with a system libvirt: the
# mode is detected there, not inherited from this shell.
in_host() {
  if [ -n "$HOSTNS" ]; then
    ip netns exec "$HOSTNS" env -u CLUSTEROS_LAB_NETNS -u CLUSTEROS_LAB_MODE "$@"
  else
    env -u CLUSTEROS_LAB_NETNS -u CLUSTEROS_LAB_MODE "$@"
  fi
}

# daemon_release: stops the daemon and removes its namespace only when this run started them.
daemon_release() {
  [ "${DAEMON_STARTED:-0}" -eq 1 ] || return 0
  scripts/libvirtd.sh stop "$HOSTNS" >/dev/null 2>&1
  ! ip netns list | grep -qw "^$HOSTNS"
}

# daemon_release_checks WHAT: the daemon released (daemon_release), and the machine's network
# namespaces as WHAT found them.
daemon_release_checks() {
  [ -n "${DAEMON_PID:-}" ] || return 0
  daemon_release || record FAIL "namespace $HOSTNS still exists after the test stopped the daemon it started"
  check "no network namespace was left or removed by $1" test "$(netns_names)" = "$NETNS_BEFORE"
}
