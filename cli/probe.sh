# shellcheck shell=bash
# Run on a node by `lab status` (as the admin user); prints key=value lines.
# What `cloud-init status` says, from the files it reads: its Python takes ~8 s to start under TCG.
if [ -e /run/cloud-init/result.json ]; then
  if grep -q '"errors": \[\]' /run/cloud-init/result.json; then echo "cloudinit=done"; else echo "cloudinit=error"; fi
elif [ -e /run/cloud-init/status.json ]; then
  echo "cloudinit=running"
else
  echo "cloudinit=not-started"
fi
now=$(date +%s)
echo "handshakes=$(sudo wg show wg0 latest-handshakes 2>/dev/null | awk -v now="$now" '{ print ($2 == 0 ? "inf" : now - $2) }' | paste -sd, -)"
echo "slurm=$(sinfo -h -N -n "$(hostname)" -o %t 2>/dev/null | head -1)"
# Kubernetes: this node's Ready state as the API server sees it; empty while it starts;
# absent when the image has no Kubernetes; off when this node was given none.
if [ -x /usr/local/bin/k3s ]; then
  echo "kubernetes=$(sudo k3s kubectl get node "$(hostname)" --no-headers 2>/dev/null | awk '{print $2}')"
elif [ ! -x /usr/local/bin/kubelet ] && [ ! -x /usr/local/bin/kubectl ]; then
  echo "kubernetes=absent"
elif [ -x /usr/local/bin/kubectl ] && sudo test -e /var/lib/kubelet/kubeconfig; then
  # Upstream: the kubeconfig kubelet got by TLS bootstrap; the node's own identity may read its own Node.
  echo "kubernetes=$(sudo kubectl --kubeconfig /var/lib/kubelet/kubeconfig get node "$(hostname)" --no-headers 2>/dev/null | awk '{print $2}')"
elif [ -e /etc/clusteros/kubernetes.env ]; then
  echo "kubernetes="
else
  echo "kubernetes=off"
fi
