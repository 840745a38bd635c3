# shellcheck shell=bash
# Run as root over SSH, with membership=agent, when a node is removed from the stack (a
# smaller nodeCount, pulumi destroy) and before its machine is: the node agent is stopped
# first, so an agent that leaves its cluster when stopped (the reference agent: serf leave)
# has the others see it leave, not fail. docs/NODE_AGENT.md, "The readiness contract".
echo "[$(hostname)] stopping the node agent before the node is removed"
systemctl stop clusteros-node-agent.service
