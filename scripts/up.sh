#!/usr/bin/env bash
# up.sh STACK: converge a stack, where this machine's mode puts the lab (lab/mode.ts):
# host mode uses the running system libvirt as it is; namespace mode starts the lab's own
# libvirtd in its namespace when needed and runs Pulumi inside it.
#   1. the Debian base (it needs apt) and, with kubernetes=upstream, the Kubernetes bundle
#      (it needs the Go module proxy): built or found in the cache first, outside any namespace;
#   2. what an interrupted up left (stale lock, orphans, pending creates: lab/recover.ts);
#   3. pulumi up --refresh: drift (a node powered off, crashed or undefined) is repaired;
#   4. ends only when every node is healthy by the definition of `lab status`.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/inputs.sh"
lab_load_env
stack="${1:?stack}"
READY_SECONDS="${CLUSTEROS_LAB_READY_SECONDS:-600}"
cd "$LAB_ROOT"
lab_image_inputs "$stack"
scripts/libvirtd.sh ensure
scripts/lab.sh --stack "$stack" recover
lab_in_place pulumi up --stack "$stack" --yes --skip-preview --refresh
lab_log "waiting until every node of $stack is healthy (lab status, at most ${READY_SECONDS}s)"
scripts/lab.sh --stack "$stack" status --wait "$READY_SECONDS" \
  || lab_die "stack $stack is up but not healthy after ${READY_SECONDS}s: see the table above, make logs STACK=$stack N=<node>"
