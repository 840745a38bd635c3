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

# cloud-init writes the agent's identity; its result file is read directly (`cloud-init
# status` costs seconds of Python start-up under TCG).
until [ -e /run/cloud-init/result.json ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { say "cloud-init has not finished after ${READY_TIMEOUT} s; see /var/log/cloud-init-output.log"; exit 1; }
  sleep 0.5
done
if ! grep -q '"errors": \[\]' /run/cloud-init/result.json; then
  cat /run/cloud-init/result.json
  say "cloud-init failed; see /var/log/cloud-init-output.log"; exit 1
fi

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
