# shellcheck shell=bash
# Run as root over SSH, with membership=agent, when a node is removed from the stack (a
# smaller nodeCount, pulumi destroy) and before its machine is. The agent's main process
# alone gets SIGTERM first and up to 30 s to leave its cluster (the reference agent: serf
# leave, while serf still runs); then the unit is stopped, which ends whatever is left of it.
# A plain `systemctl stop` signals every process of the unit at once, so a gossip daemon the
# agent runs would quit before the agent could make it leave. docs/NODE_AGENT.md.
unit=clusteros-node-agent.service
echo "[$(hostname)] stopping the node agent before the node is removed"
if systemctl is-active --quiet "$unit"; then
  systemctl kill --kill-who=main --signal=SIGTERM "$unit"
  for _ in $(seq 30); do systemctl is-active --quiet "$unit" || break; sleep 1; done
fi
systemctl stop "$unit"
