#!/usr/bin/env bash
# libvirtd.sh start|stop|status [NETNS]
# Runs virtlogd and libvirtd without systemd, inside a network namespace (loopback up)
# so that bridges, dnsmasq and guest traffic never leave it. The libvirt socket is a
# file, so clients anywhere on the host can still talk to the daemon.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"

NS="${2:-$LAB_NETNS}"
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
pid_netns() { ip netns identify "$(cat "$1")" 2>/dev/null || true; }

start() {
  [ "$(id -u)" -eq 0 ] || lab_die "libvirtd must be started as root (qemu:///system)"
  command -v libvirtd >/dev/null || lab_die "libvirtd is not installed: run make setup"
  if ! ip netns list | grep -qw "^$NS"; then
    ip netns add "$NS"
  fi
  ip netns exec "$NS" ip link set lo up
  if pid_alive "$LIBVIRTD_PID"; then
    local where; where="$(pid_netns "$LIBVIRTD_PID")"
    [ "$where" = "$NS" ] || lab_die "libvirtd already runs in namespace '${where:-<host>}', not '$NS': stop it first (scripts/libvirtd.sh stop ${where})"
  fi
  fix_kvm_permissions
  pid_alive "$VIRTLOGD_PID" || ip netns exec "$NS" virtlogd -d
  if ! pid_alive "$LIBVIRTD_PID"; then
    ip netns exec "$NS" libvirtd -d
  fi
  for _ in $(seq 1 50); do
    virsh -c qemu:///system version >/dev/null 2>&1 && { lab_log "libvirtd runs in namespace $NS"; return 0; }
    sleep 0.2
  done
  lab_die "libvirtd did not answer on qemu:///system within 10s (see /var/log/libvirt/libvirtd.log)"
}

stop() {
  local f
  for f in "$LIBVIRTD_PID" "$VIRTLOGD_PID"; do
    if pid_alive "$f"; then
      local pid; pid="$(cat "$f")"
      kill "$pid"
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
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
    echo "libvirtd: running (pid $(cat "$LIBVIRTD_PID"), namespace $(pid_netns "$LIBVIRTD_PID"))"
  else
    echo "libvirtd: not running"; rc=1
  fi
  if pid_alive "$VIRTLOGD_PID"; then
    echo "virtlogd: running (pid $(cat "$VIRTLOGD_PID"), namespace $(pid_netns "$VIRTLOGD_PID"))"
  else
    echo "virtlogd: not running"; rc=1
  fi
  echo "namespaces: $(ip netns list | awk '{print $1}' | tr '\n' ' ')"
  return $rc
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status [NETNS]" >&2; exit 2 ;;
esac
