#!/usr/bin/env bash
# Leave a clean image: new machine-id and cloud-init state per node. SSH host keys and
# the build key are removed by the template's shutdown_command (Packer still needs them).
. /tmp/clusteros-payload/lib.sh
cloud-init clean --logs --seed || cloud-init clean --logs
truncate -s 0 /etc/machine-id
rm -f /var/lib/dbus/machine-id
rm -f /etc/systemd/network/99-packer-build.network
apt-get clean
rm -rf /var/lib/apt/lists/* /tmp/clusteros-payload /tmp/clusteros-boot
fstrim -av || true
say "image cleaned"
