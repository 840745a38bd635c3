#!/bin/sh
# Starts K3s in the role /etc/clusteros/kubernetes.env names, with the unit cloud-init wrote
# beside it, when the image has K3s; otherwise records why not.
set -eu
. /etc/clusteros/kubernetes.env
unit=k3s; [ "$KUBERNETES_ROLE" = server ] || unit=k3s-agent
if [ ! -x /usr/local/bin/k3s ]; then
  echo "K3s not started: the image has no K3s binary ($(cat /etc/clusteros/k3s-missing 2>/dev/null || echo unknown reason))" \
    | tee /etc/clusteros/k3s-status
  exit 0
fi
install -m 0644 /etc/clusteros/k3s.service "/etc/systemd/system/$unit.service"
systemctl daemon-reload
systemctl enable --now "$unit.service"
echo "K3s $KUBERNETES_ROLE started" > /etc/clusteros/k3s-status
