#!/usr/bin/env bash
# The ClusterOS node-agent binary and its systemd unit, when the build was given one.
# Its per-node environment (/etc/clusteros/node-agent.env) comes from cloud-init.
. /tmp/clusteros-payload/lib.sh
if [ ! -f "$PAYLOAD/node-agent" ]; then say "no node-agent binary given: skipped"; exit 0; fi
install -m 0755 "$PAYLOAD/node-agent" /usr/local/bin/clusteros-node-agent
install -m 0644 "$PAYLOAD/node-agent.service" /etc/systemd/system/clusteros-node-agent.service
systemctl enable clusteros-node-agent.service
say "node-agent installed ($(sha256sum /usr/local/bin/clusteros-node-agent | cut -c1-16))"
