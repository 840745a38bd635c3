# shellcheck shell=bash
# Live delivery of the node agent: install the copied binary and its unit, restart the
# service. Run as root over SSH by the stack whenever the binary changes. Static: what it
# installs comes in the environment (components/plan/node-agent.ts builds it):
#   AGENT_HOSTNAME, AGENT_UPLOAD (the copied binary), AGENT_UNIT (the unit, base64).
set -euo pipefail
install -m 0755 "$AGENT_UPLOAD" /usr/local/bin/clusteros-node-agent
rm -f "$AGENT_UPLOAD"
echo "$AGENT_UNIT" | base64 -d > /etc/systemd/system/clusteros-node-agent.service
systemctl daemon-reload
systemctl enable --quiet clusteros-node-agent.service
systemctl restart clusteros-node-agent.service
systemctl is-active --quiet clusteros-node-agent.service
echo "[$AGENT_HOSTNAME] node-agent $(sha256sum /usr/local/bin/clusteros-node-agent | cut -c1-16) running"
