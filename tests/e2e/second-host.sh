# shellcheck shell=bash
# A second libvirt host on this machine, for the e2e's multi-host phases (tests/e2e/e2e.sh).
#
# What stands for a host: a network namespace of its own, and a mount namespace in which
# libvirt's configuration, state, run and log directories (/etc/libvirt, /var/lib/libvirt,
# /run/libvirt, /var/log/libvirt, /var/cache/libvirt) are private directories, so its
# virtlogd and libvirtd share nothing with the first host's: not the socket, not the
# domain and network definitions, not the pool's files. Clients reach it through its own
# URI (qemu+unix with the socket's path), as they would reach a real host through
# qemu+ssh. A veth pair between the two hosts' network namespaces plays the LAN.
#
# What it does not cover: a separate kernel, CPU and disk (both hosts share this
# machine's), SSH transport and its keys, a LAN with other traffic, MTU or latency.
#
# Sets H2_NS, H2_DIR, H2_URI, H2_FIRST_NS, H2_LAN_A/H2_LAN_B (the LAN's two ends). Needs
# lab_stop_pidfile (scripts/lib/common.sh).

# first_host CMD...: CMD in the first host's network namespace (H2_FIRST_NS, "" for this one).
first_host() { if [ -n "${H2_FIRST_NS:-}" ]; then ip netns exec "$H2_FIRST_NS" "$@"; else "$@"; fi; }

# second_host_start NETNS DIR FIRST_HOST_NETNS LAN_CIDR(/24): the host and the LAN to the first host.
second_host_start() {
  H2_NS="$1" H2_DIR="$2"
  local first="$3" base="${4%.0/24}"
  H2_FIRST_NS="$first"
  H2_LAN_A="$base.1" H2_LAN_B="$base.2"
  H2_URI="qemu+unix:///system?socket=$H2_DIR/run/libvirt-sock"
  # (log/qemu: where the serial logs go; a real host has it from the libvirt packages)
  mkdir -p "$H2_DIR"/{etc,run,lib,log/qemu,cache} || return 1
  # The daemons' settings, without the first host's definitions (qemu/, storage/, ...).
  cp /etc/libvirt/*.conf "$H2_DIR/etc/" || return 1
  ip netns add "$H2_NS" || return 1
  ip netns exec "$H2_NS" ip link set lo up
  ip link add "h2lan-a$$" type veth peer name "h2lan-b$$" netns "$H2_NS" || return 1
  # The first host's end goes where the first host's daemon runs ("": this namespace).
  [ -z "$first" ] || ip link set "h2lan-a$$" netns "$first" || return 1
  first_host ip addr add "$H2_LAN_A/24" dev "h2lan-a$$" && first_host ip link set "h2lan-a$$" up || return 1
  ip netns exec "$H2_NS" ip addr add "$H2_LAN_B/24" dev "h2lan-b$$" || return 1
  ip netns exec "$H2_NS" ip link set "h2lan-b$$" up || return 1
  # libvirt turns forwarding on for its routed networks; the LAN end must forward too.
  ip netns exec "$H2_NS" sysctl -qw net.ipv4.ip_forward=1
  second_host_daemons_start
}

# The daemons, in a new mount namespace over the private directories; they keep it alive.
second_host_daemons_start() {
  # shellcheck disable=SC2016 # expanded by the inner shell
  ip netns exec "$H2_NS" unshare --mount --propagation private bash -euc '
    for d in etc:/etc/libvirt run:/run/libvirt lib:/var/lib/libvirt log:/var/log/libvirt cache:/var/cache/libvirt; do
      mount --bind "$1/${d%%:*}" "${d#*:}"
    done
    virtlogd -d -p "$1/virtlogd.pid"
    libvirtd -d -p "$1/libvirtd.pid"' _ "$H2_DIR" || return 1
  second_host_wait_answer
}

second_host_wait_answer() {
  local _
  for _ in $(seq 1 100); do
    virsh -c "$H2_URI" version >/dev/null 2>&1 && return 0
    sleep 0.3
  done
  echo "the second host's libvirtd did not answer at $H2_URI"; return 1
}

# Stops the second host's libvirtd only (its guests keep running, as on a host whose
# daemon died), and starts it again in the same mount namespace (virtlogd's).
second_host_libvirtd_stop() { lab_stop_pidfile "$H2_DIR/libvirtd.pid"; }
second_host_libvirtd_start() {
  nsenter -t "$(cat "$H2_DIR/virtlogd.pid")" -m -n libvirtd -d -p "$H2_DIR/libvirtd.pid" && second_host_wait_answer
}

# second_host_stop: the daemons, every process left in the namespace (guests, dnsmasq),
# the namespace and with it the LAN; then its directories.
second_host_stop() {
  [ -n "${H2_NS:-}" ] || return 0
  lab_stop_pidfile "$H2_DIR/libvirtd.pid"
  lab_stop_pidfile "$H2_DIR/virtlogd.pid"
  if ip netns list | grep -qw "^$H2_NS"; then
    local p
    for p in $(ip netns pids "$H2_NS"); do kill "$p" 2>/dev/null || true; done
    sleep 1
    for p in $(ip netns pids "$H2_NS"); do kill -9 "$p" 2>/dev/null || true; done
    ip netns delete "$H2_NS"
  fi
  rm -rf "$H2_DIR"
}
