#!/usr/bin/env bash
# libvirtd.sh ensure | mode | start|stop|status [NETNS]
#   ensure  what `make up/preview/down` run: host mode checks that the system's daemon
#           answers (and never starts one); namespace mode starts the lab's own if needed
#   mode    prints the mode this machine is in and why (scripts/lib/mode.sh)
#   start/stop/status  namespace mode's own daemon: virtlogd and libvirtd without systemd,
#           inside a network namespace (loopback up) so that bridges, dnsmasq and guest
#           traffic never leave it. The libvirt socket is a file, so clients anywhere on the
#           host can still talk to the daemon.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

lab_mode
NS="${2:-${LAB_NETNS:-$LAB_DEFAULT_NETNS}}"
LIBVIRTD_PID=/run/libvirtd.pid
VIRTLOGD_PID=/run/virtlogd.pid

# Without udev, /dev/kvm stays root-only; libvirt then probes QEMU with KVM (as root) but
# finds KVM unusable for its QEMU user, declares its capability cache outdated on every
# call and re-probes QEMU (tens of seconds per API call). Give the device the owner and
# mode Debian's udev rules give it (root:kvm 0660).
fix_kvm_permissions() {
  if [ -c /dev/kvm ] && getent group kvm >/dev/null && [ "$(stat -c %G:%a /dev/kvm)" != "kvm:660" ]; then
    chgrp kvm /dev/kvm && chmod 0660 /dev/kvm
    lab_log "/dev/kvm set to root:kvm 0660 (as udev would)"
  fi
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

answers() { virsh -c "${LIBVIRT_DEFAULT_URI:-qemu:///system}" version >/dev/null 2>&1; }

# Host mode: the system's daemon, used as it is. Never started, stopped or reconfigured here.
ensure_host() {
  answers && return 0
  local fix="start your distribution's libvirt service"
  lab_fact_systemd && fix="sudo systemctl enable --now libvirtd (or virtqemud.socket where libvirt is modular)"
  lab_die "libvirt does not answer at ${LIBVIRT_DEFAULT_URI:-qemu:///system} ($LAB_MODE_WHY). Fix: $fix; the lab never starts a daemon in host mode. To let the lab run its own in a namespace instead: make up NETNS=$LAB_DEFAULT_NETNS"
}

start() {
  [ "$(id -u)" -eq 0 ] || lab_die "libvirtd must be started as root (qemu:///system)"
  command -v libvirtd >/dev/null || lab_die "libvirtd is not installed: run make setup"
  local daemon; daemon="$(lab_fact_daemon_pid)"
  if [ -n "$daemon" ]; then
    local where; where="$(lab_fact_netns_of "$daemon")"
    if [ "$where" = "$NS" ] && answers; then lab_log "libvirtd runs in namespace $NS (pid $daemon)"; return 0; fi
    [ -n "$where" ] || lab_die "a libvirt daemon (pid $daemon) already runs outside any lab namespace (the system's own): use host mode (make up without NETNS/MODE); the lab never starts a second daemon on the same socket"
    [ "$where" = "$NS" ] || lab_die "libvirtd already runs in namespace '$where', not '$NS': use that namespace (NETNS=$where), or stop it first (scripts/libvirtd.sh stop $where)"
  fi
  local created=0
  if ! ip netns list | grep -qw "^$NS"; then
    ip netns add "$NS"
    created=1
  fi
  # A start that fails removes what it made: the namespace, and the daemons in it.
  # shellcheck disable=SC2064 # expand now: the trap must remove this namespace
  [ "$created" -eq 0 ] || trap "[ \$? -eq 0 ] || { stop >/dev/null 2>&1; lab_log 'start failed: namespace $NS removed'; }" EXIT
  ip netns exec "$NS" ip link set lo up
  fix_kvm_permissions
  pid_alive "$VIRTLOGD_PID" || ip netns exec "$NS" virtlogd -d
  if ! pid_alive "$LIBVIRTD_PID"; then
    ip netns exec "$NS" libvirtd -d -f "$LAB_ROOT/scripts/libvirtd.conf"
  fi
  for _ in $(seq 1 50); do
    answers && { lab_log "libvirtd runs in namespace $NS"; return 0; }
    sleep 0.2
  done
  lab_die "libvirtd did not answer on qemu:///system within 10s (see /var/log/libvirt/libvirtd.log)"
}

stop() {
  lab_stop_pidfile "$LIBVIRTD_PID"
  lab_stop_pidfile "$VIRTLOGD_PID"
  # dnsmasq instances libvirt started for its networks live in the namespace too.
  if ip netns list | grep -qw "^$NS"; then
    local p
    for p in $(ip netns pids "$NS"); do kill "$p" 2>/dev/null || true; done
    ip netns delete "$NS"
  fi
  lab_log "libvirtd stopped, namespace $NS removed"
}

status() {
  local rc=0
  if pid_alive "$LIBVIRTD_PID"; then
    echo "libvirtd: running (pid $(cat "$LIBVIRTD_PID"), namespace $(lab_fact_netns_of "$(cat "$LIBVIRTD_PID")"))"
  else
    echo "libvirtd: not running"; rc=1
  fi
  if pid_alive "$VIRTLOGD_PID"; then
    echo "virtlogd: running (pid $(cat "$VIRTLOGD_PID"), namespace $(lab_fact_netns_of "$(cat "$VIRTLOGD_PID")"))"
  else
    echo "virtlogd: not running"; rc=1
  fi
  echo "namespaces: $(ip netns list | awk '{print $1}' | tr '\n' ' ')"
  return $rc
}

case "${1:-}" in
  ensure)
    lab_log "$LAB_MODE_WHY"
    if [ "$LAB_MODE" = host ]; then ensure_host; else start; fi ;;
  mode) echo "$LAB_MODE_WHY" ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 ensure|mode|start|stop|status [NETNS]" >&2; exit 2 ;;
esac
