#!/usr/bin/env bash
# cloud-init defaults every seed can rely on (images/common/cloud/90-clusteros.cfg), and
# what its first boot would otherwise change and restart: the locale and sshd's
# PasswordAuthentication, shipped already as ClusterOS wants them; the seed's accept-ra,
# which Debian 12's cloud-init does not apply; and the config and final stages skipped for a
# seed that needs neither (/etc/clusteros/cloud-init-init-only, clusteros-cloud-init-result).
. /tmp/clusteros-payload/lib.sh
install -D -m 0644 "$PAYLOAD/cloud/90-clusteros.cfg" /etc/cloud/cloud.cfg.d/90-clusteros.cfg
install -m 0644 "$PAYLOAD/cloud/default-locale" /etc/default/locale
install -D -m 0600 "$PAYLOAD/cloud/sshd-50-cloud-init.conf" /etc/ssh/sshd_config.d/50-cloud-init.conf
# The seed's accept-ra: false, which cloud-init 22.4 does not render (clusteros-static-ipv4).
install -D -m 0755 "$PAYLOAD/cloud/clusteros-static-ipv4" /usr/local/lib/clusteros/clusteros-static-ipv4
install -D -m 0644 "$PAYLOAD/cloud/no-ipv6-ra.network.conf" /usr/local/share/clusteros/no-ipv6-ra.network.conf
install -D -m 0644 "$PAYLOAD/cloud/networkd-static-ipv4.conf" /etc/systemd/system/systemd-networkd.service.d/clusteros-static-ipv4.conf
# The later stages skipped when the seed says so, and cloud-init's result recorded instead.
for unit in cloud-config cloud-final; do
  install -D -m 0644 "$PAYLOAD/cloud/cloud-init-later-stages.conf" "/etc/systemd/system/$unit.service.d/clusteros.conf"
done
install -m 0755 "$PAYLOAD/cloud/clusteros-cloud-init-result" /usr/local/lib/clusteros/clusteros-cloud-init-result
install -m 0644 "$PAYLOAD/cloud/clusteros-cloud-init-result.service" /etc/systemd/system/clusteros-cloud-init-result.service
systemctl enable clusteros-cloud-init-result.service
say "cloud-init defaults installed; locale C.UTF-8, SSH by key only"
