# shellcheck shell=bash
# Run on a node by `lab status` (as the admin user); prints key=value lines.
# Every wait for health runs it on every node every 2 s (cli/status.ts), and under TCG each
# process it starts costs about 0.05–0.1 s of the node's CPU: the common path starts four
# (sudo, wg, sinfo, systemctl) and a sha256sum, and does the rest in bash.
# What `cloud-init status` says, from the files it reads: its Python takes ~8 s to start under TCG.
if [ -e /run/cloud-init/result.json ]; then
  result=""; IFS= read -r -d '' result < /run/cloud-init/result.json || true
  if [[ $result == *'"errors": []'* ]]; then echo "cloudinit=done"; else echo "cloudinit=error"; fi
elif [ -e /run/cloud-init/status.json ]; then
  echo "cloudinit=running"
else
  echo "cloudinit=not-started"
fi
# Whether a file can be made on the root file system: not once ext4 aborted its journal on
# I/O errors (lab disk N fail-writes), although the mount may still say rw.
probe_file="/var/tmp/.lab-probe.$$"
if { : > "$probe_file"; } 2>/dev/null; then rm -f "$probe_file"; echo "rootfs=writable"; else echo "rootfs=read-only"; fi
printf -v now '%(%s)T' -1
ages="" handshakes="$(sudo wg show wg0 latest-handshakes 2>/dev/null)" || true
while read -r _ at; do
  [ -n "$at" ] || continue
  if [ "$at" = 0 ]; then age=inf; else age=$((now - at)); fi
  ages="${ages:+$ages,}$age"
done <<<"$handshakes"
echo "handshakes=$ages"
# The node's state and, when SLURM does not count it as up, slurmctld's Reason for it as
# `scontrol show node` gives it (reason [user@time]): one sinfo call, the reason last (it is
# free text). slurmd's state and, unless it is active, its last log lines (on one line, " | "
# between them).
node_slurm="$(sinfo -h -N -n "$HOSTNAME" -o '%t|%u|%H|%E' 2>/dev/null)" || true
node_slurm="${node_slurm%%$'\n'*}"
echo "slurm=${node_slurm%%|*}"
IFS='|' read -r _ by at reason <<<"$node_slurm"
if [ -z "$reason" ] || [ "$reason" = none ]; then echo "slurm_reason="; else echo "slurm_reason=$reason [$by@$at]"; fi
slurmd="$(systemctl is-active slurmd 2>/dev/null)"
echo "slurmd=$slurmd"
if [ "$slurmd" != active ]; then
  echo "slurmd_log=$(sudo journalctl -u slurmd -n 3 --no-pager -o cat 2>/dev/null | awk 'NR > 1 { printf " | " } { printf "%s", $0 }')"
fi
# Kubernetes: this node's Ready state as the API server sees it; empty while it starts;
# absent when the image has no Kubernetes; off when this node was given none.
if [ -x /usr/local/bin/k3s ]; then
  echo "kubernetes=$(sudo k3s kubectl get node "$HOSTNAME" --no-headers 2>/dev/null | awk '{print $2}')"
elif [ ! -x /usr/local/bin/kubelet ] && [ ! -x /usr/local/bin/kubectl ]; then
  echo "kubernetes=absent"
elif node="$(sudo bash -c 'test -e /var/lib/kubelet/pki/kubelet-client-current.pem || exit 3
    . /etc/clusteros/kubernetes.env
    exec curl -s --max-time 20 --cacert /etc/kubernetes/pki/ca.crt \
      --cert /var/lib/kubelet/pki/kubelet-client-current.pem "https://$SERVER_IP:6443/api/v1/nodes/$1"' _ "$HOSTNAME")" \
    || [ $? != 3 ]; then
  # Upstream: the node's Ready condition, asked with the client certificate kubelet got by
  # TLS bootstrap (a node may read its own Node), once it has one (exit 3: not yet). curl, not
  # kubectl: a Go binary's start costs seconds of CPU under TCG, on every poll of every node.
  # The API server indents its JSON for curl (it does so for curl's user agent): compact it first.
  compact="${node//[[:space:]]/}"
  ready=""; [[ $compact =~ \"type\":\"Ready\",\"status\":\"([A-Za-z]*)\" ]] && ready="${BASH_REMATCH[1]}"
  case "$ready" in True) echo "kubernetes=Ready" ;; "") echo "kubernetes=" ;; *) echo "kubernetes=NotReady" ;; esac
elif [ -e /etc/clusteros/kubernetes.env ]; then
  echo "kubernetes="
else
  echo "kubernetes=off"
fi
# Which build of the node agent the node runs (lab status compares it with the stack's).
if [ -e /usr/local/bin/clusteros-node-agent ]; then
  sum="$(sha256sum /usr/local/bin/clusteros-node-agent)"
  echo "agent_sha=${sum%% *}"
else
  echo "agent_sha="
fi
# membership=agent: what the node agent reports (its contract: docs/NODE_AGENT.md). Absent
# where the lab forms the cluster.
if [ -e /run/clusteros/agent/state ]; then
  line=""; read -r line < /run/clusteros/agent/state || true
  echo "agent_state=$line"
  members=""
  if [ -e /run/clusteros/agent/members ]; then
    while read -r name _ status _; do
      [ -z "$name" ] || members="${members:+$members,}$name:$status"
    done < /run/clusteros/agent/members
  fi
  echo "agent_members=$members"
  line=""; [ ! -e /run/clusteros/agent/roles ] || read -r line < /run/clusteros/agent/roles || true
  echo "agent_roles=$line"
fi
