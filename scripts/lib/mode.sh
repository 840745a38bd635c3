# shellcheck shell=bash
# Where the lab runs on this machine (host or namespace mode) is decided in one place,
# lab/mode.ts; sourced by common.sh, these ask it.

# lab_in_place CMD...: run CMD where the nodes are reachable (inside the lab namespace in
# namespace mode, here in host mode), with CLUSTEROS_LAB_NETNS saying which.
lab_in_place() { "$LAB_ROOT/scripts/lab.sh" in-place -- "$@"; }

# Facts the e2e harness still reads in bash (tests/e2e/daemon.sh): the libvirt daemon's pid,
# and its network namespace.
lab_fact_daemon_pid() { pgrep -xo 'libvirtd|virtqemud' 2>/dev/null || true; }
lab_fact_same_netns() { [ "$(readlink "/proc/$1/ns/net" 2>/dev/null)" = "$(readlink /proc/self/ns/net)" ]; }
lab_fact_netns_of() { ip netns identify "$1" 2>/dev/null || true; }
