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
if [ -x /usr/local/bin/k3s ]; then
  echo "k3s=$(sudo k3s kubectl get node "$(hostname)" --no-headers 2>/dev/null | awk '{print $2}')"
else
  echo "k3s=absent"
fi
