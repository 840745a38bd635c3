# Run on a node by `lab status` (as the admin user); prints key=value lines.
echo "cloudinit=$(cloud-init status 2>/dev/null | awk '/^status:/ {print $2}')"
now=$(date +%s)
echo "handshakes=$(sudo wg show wg0 latest-handshakes 2>/dev/null | awk -v now="$now" '{ print ($2 == 0 ? "inf" : now - $2) }' | paste -sd, -)"
echo "slurm=$(sinfo -h -N -n "$(hostname)" -o %t 2>/dev/null | head -1)"
if [ -x /usr/local/bin/k3s ]; then
  echo "k3s=$(sudo k3s kubectl get node "$(hostname)" --no-headers 2>/dev/null | awk '{print $2}')"
else
  echo "k3s=absent"
fi
