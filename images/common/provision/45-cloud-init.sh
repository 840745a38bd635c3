#!/usr/bin/env bash
# cloud-init defaults every seed can rely on (images/common/cloud/90-clusteros.cfg).
. /tmp/clusteros-payload/lib.sh
install -D -m 0644 "$PAYLOAD/cloud/90-clusteros.cfg" /etc/cloud/cloud.cfg.d/90-clusteros.cfg
say "cloud-init defaults installed"
