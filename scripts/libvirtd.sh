#!/usr/bin/env bash
# libvirtd.sh ensure | mode | start|stop|status [NETNS]: the libvirt daemon the lab uses,
# and where the lab runs (lab/daemon.ts, lab/mode.ts; `scripts/lab.sh daemon --help`).
set -euo pipefail
if [ "${1:-}" = mode ]; then exec "$(dirname "$0")/lab.sh" mode; fi
exec "$(dirname "$0")/lab.sh" daemon "$@"
