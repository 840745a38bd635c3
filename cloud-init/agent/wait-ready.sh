# shellcheck shell=bash
# Waits until the node agent reports its node ready, as docs/NODE_AGENT.md defines it: the
# first line of /run/clusteros/agent/state is "ready", alone or followed by ":" or a space.
# Run as root over SSH by the stack (membership=agent) in place of the lab's membership
# step; it changes nothing on the node.
#   READY_HOSTNAME, READY_TIMEOUT (seconds)
set -euo pipefail
say() { echo "[$READY_HOSTNAME] $*"; }
state_file=/run/clusteros/agent/state
deadline=$(( $(date +%s) + READY_TIMEOUT ))

# cloud-init writes the agent's identity (identity-wait.sh).
wait_for_identity "$READY_TIMEOUT"

last=""
while :; do
  state="$(head -1 "$state_file" 2>/dev/null || true)"
  [ "$state" = "$last" ] || { say "agent: ${state:-no state yet}"; last="$state"; }
  case "$state" in ready|ready:*|ready\ *) break ;; esac
  if [ "$(date +%s)" -ge "$deadline" ]; then
    say "the node agent did not report ready within ${READY_TIMEOUT} s (its state: ${state:-none, $state_file is missing})"
    systemctl status clusteros-node-agent --no-pager -n 15 2>&1 | sed "s/^/[$READY_HOSTNAME]   /" || true
    exit 1
  fi
  sleep 1
done
members="$(wc -l < /run/clusteros/agent/members 2>/dev/null || true)"
say "node agent ready${members:+ ($members members in its view)}"
