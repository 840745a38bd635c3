#!/usr/bin/env bash
# up.sh STACK: `make up`: converge a stack where this machine's mode puts the lab, and wait
# until every node is healthy (lab/up.ts; CLUSTEROS_LAB_READY_SECONDS, 600 by default).
set -euo pipefail
exec "$(dirname "$0")/lab.sh" --stack "${1:?usage: up.sh STACK}" up
