#!/usr/bin/env bash
# cloud-init defaults every seed can rely on (images/common/cloud/90-clusteros.cfg), and
# what its first boot would otherwise change and restart: the locale and sshd's
# PasswordAuthentication, shipped already as ClusterOS wants them.
. /tmp/clusteros-payload/lib.sh
install -D -m 0644 "$PAYLOAD/cloud/90-clusteros.cfg" /etc/cloud/cloud.cfg.d/90-clusteros.cfg
install -m 0644 "$PAYLOAD/cloud/default-locale" /etc/default/locale
install -D -m 0600 "$PAYLOAD/cloud/sshd-50-cloud-init.conf" /etc/ssh/sshd_config.d/50-cloud-init.conf
say "cloud-init defaults installed; locale C.UTF-8, SSH by key only"
