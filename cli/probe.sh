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
# Whether a file can be made on the root file system: not once ext4 aborted its journal on
# I/O errors (lab disk N fail-writes), although the mount may still say rw.
if t="$(mktemp /var/tmp/.lab-probe.XXXXXX 2>/dev/null)"; then rm -f "$t"; echo "rootfs=writable"; else echo "rootfs=read-only"; fi
now=$(date +%s)
echo "handshakes=$(sudo wg show wg0 latest-handshakes 2>/dev/null | awk -v now="$now" '{ print ($2 == 0 ? "inf" : now - $2) }' | paste -sd, -)"
echo "slurm=$(sinfo -h -N -n "$(hostname)" -o %t 2>/dev/null | head -1)"
# What lab status says when SLURM does not count this node as up: slurmctld's Reason for it,
# slurmd's state and, unless it is active, its last log lines (on one line, " | " between them).
echo "slurm_reason=$(scontrol show node "$(hostname)" 2>/dev/null | sed -n 's/^ *Reason=//p' | head -1)"
slurmd="$(systemctl is-active slurmd 2>/dev/null)"
echo "slurmd=$slurmd"
if [ "$slurmd" != active ]; then
  echo "slurmd_log=$(sudo journalctl -u slurmd -n 3 --no-pager -o cat 2>/dev/null | awk 'NR > 1 { printf " | " } { printf "%s", $0 }')"
fi
# Kubernetes: this node's Ready state as the API server sees it; empty while it starts;
# absent when the image has no Kubernetes; off when this node was given none.
if [ -x /usr/local/bin/k3s ]; then
  echo "kubernetes=$(sudo k3s kubectl get node "$(hostname)" --no-headers 2>/dev/null | awk '{print $2}')"
elif [ ! -x /usr/local/bin/kubelet ] && [ ! -x /usr/local/bin/kubectl ]; then
  echo "kubernetes=absent"
elif sudo test -e /var/lib/kubelet/pki/kubelet-client-current.pem; then
  # Upstream: the node's Ready condition, asked with the client certificate kubelet got by
  # TLS bootstrap (a node may read its own Node). curl, not kubectl: a Go binary's start
  # costs seconds of CPU under TCG, on every poll of every node.
  . /etc/clusteros/kubernetes.env
  node="$(sudo curl -s --max-time 20 --cacert /etc/kubernetes/pki/ca.crt \
    --cert /var/lib/kubelet/pki/kubelet-client-current.pem "https://$SERVER_IP:6443/api/v1/nodes/$(hostname)")"
  # The API server indents its JSON for curl (it does so for curl's user agent): compact it first.
  ready="$(tr -d ' \t\n' <<<"$node" | grep -o '"type":"Ready","status":"[A-Za-z]*"' | sed 's/.*"status":"//; s/"$//')"
  case "$ready" in True) echo "kubernetes=Ready" ;; "") echo "kubernetes=" ;; *) echo "kubernetes=NotReady" ;; esac
elif [ -e /etc/clusteros/kubernetes.env ]; then
  echo "kubernetes="
else
  echo "kubernetes=off"
fi
# Which build of the node agent the node runs (lab status compares it with the stack's).
if [ -e /usr/local/bin/clusteros-node-agent ]; then
  echo "agent_sha=$(sha256sum /usr/local/bin/clusteros-node-agent | cut -c1-64)"
else
  echo "agent_sha="
fi
# membership=agent: what the node agent reports (its contract: docs/NODE_AGENT.md). Absent
# where the lab forms the cluster.
if [ -e /run/clusteros/agent/state ]; then
  echo "agent_state=$(head -1 /run/clusteros/agent/state)"
  echo "agent_members=$(awk '{ print $1 ":" $3 }' /run/clusteros/agent/members 2>/dev/null | paste -sd, -)"
  echo "agent_roles=$(head -1 /run/clusteros/agent/roles 2>/dev/null)"
fi
