#!/bin/sh
# Starts K3s in the role /etc/clusteros/k3s.env names, with the unit cloud-init wrote
# beside it, when the image has K3s; otherwise records why not.
set -eu
. /etc/clusteros/k3s.env
if [ ! -x /usr/local/bin/k3s ]; then
  echo "K3s not started: the image has no K3s binary ($(cat /etc/clusteros/k3s-missing 2>/dev/null || echo unknown reason))" \
    | tee /etc/clusteros/k3s-status
  exit 0
fi
install -m 0644 /etc/clusteros/k3s.service "/etc/systemd/system/$K3S_UNIT.service"
systemctl daemon-reload
systemctl enable --now "$K3S_UNIT.service"
echo "K3s $K3S_ROLE started" > /etc/clusteros/k3s-status
