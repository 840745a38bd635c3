#!/usr/bin/env bash
# clusteros-serf-agent: the lab's REFERENCE node agent for membership=agent. It is an example
# of the contract in docs/NODE_AGENT.md, not ClusterOS's agent. From the identity cloud-init
# gives (/etc/clusteros/node-agent.env) it forms the cluster with serf (gossip):
#   - finds the other nodes on the lab network (serf's mDNS discovery), encrypted with a key
#     derived from the cluster key; a node that knew the cluster rejoins from its snapshot;
#   - makes its own WireGuard key and publishes the public key and mesh address as serf tags;
#   - chooses the SLURM controller: the alive member with the lowest node index;
#   - writes wg0's peers, /etc/hosts, munge's key (derived from the cluster key) and
#     slurm.conf, and starts or restarts what changed; again on every join, leave or failure;
#   - reports in /run/clusteros/agent: state ("ready" once SLURM counts this node as up),
#     members, roles.
# Usage (systemd runs the first): clusteros-serf-agent [run | reconcile | handle]
# examples/serf-agent/build.sh appends serf, from Debian's serf package, after the marker line.
set -euo pipefail
SELF="$(readlink -f "$0")"
LIB=/var/lib/clusteros-serf-agent
REPORT=/run/clusteros/agent
SERF="$LIB/serf"
RPC=127.0.0.1:7373
SETTLE_SECONDS=15

log() { echo "serf-agent: $*" >&2; }
report() { mkdir -p "$REPORT"; echo "$1" > "$REPORT/state.new"; mv "$REPORT/state.new" "$REPORT/state"; }
# put PATH MODE: stdin (any bytes: the munge key) to PATH when it differs; status 0 when it changed.
put() {
  local new; new="$(mktemp "$1.XXXXXX")"; cat > "$new"; chmod "$2" "$new"
  if cmp -s "$new" "$1"; then rm -f "$new"; return 1; fi
  mv "$new" "$1"
}
# put_text PATH MODE: put for text, compared in the shell. Under TCG every process started costs
# about 0.1 s of a vCPU, and reconcile writes six files each time: only a change starts any.
put_text() {
  local new="" old=""
  IFS= read -r -d '' new || true
  if [ -f "$1" ]; then IFS= read -r -d '' old < "$1" || true; fi
  [ "$new" != "$old" ] || return 1
  (umask 077; printf '%s' "$new" > "$1.new") && chmod "$2" "$1.new" && mv "$1.new" "$1"
}
# derive LABEL: 32 bytes of SHA-256 over the label and the cluster key, as hex.
derive() { printf '%s:%s' "$1" "$CLUSTEROS_CLUSTER_KEY" | sha256sum | cut -c1-64; }
# shellcheck disable=SC2059 # the format is the bytes, as \xHH escapes
hex_to_bytes() { printf "${1//??/\\x&}"; }

unpack_serf() {
  local sum; sum="$(sha256sum "$SELF" | cut -c1-16)"
  [ -x "$SERF" ] && [ "$(cat "$LIB/serf.from" 2>/dev/null)" = "$sum" ] && return 0
  sed '1,/^__SERF_PAYLOAD__$/d' "$SELF" | tar -xzf - -C "$LIB" serf
  echo "$sum" > "$LIB/serf.from"
}

wireguard_identity() {
  [ -s "$LIB/wg.key" ] || (umask 077; wg genkey > "$LIB/wg.key")
  WG_PUBLIC="$(wg pubkey < "$LIB/wg.key")"
  local prefix="${CLUSTEROS_WIREGUARD_CIDR#*/}"
  put /etc/wireguard/wg0.conf 0600 <<EOF || true
# WireGuard identity of $CLUSTEROS_NODE_NAME, made by its node agent (clusteros-serf-agent).
[Interface]
PrivateKey = $(cat "$LIB/wg.key")
Address = $CLUSTEROS_WIREGUARD_IP/$prefix
ListenPort = $CLUSTEROS_WIREGUARD_PORT
PostUp = if [ -f /etc/wireguard/peers.conf ]; then wg addconf %i /etc/wireguard/peers.conf; fi
EOF
  systemctl is-active --quiet wg-quick@wg0 || systemctl restart wg-quick@wg0
}

munge_key() {
  # 64 bytes (munge takes 32 to 1024), derived in two steps: every process started costs
  # noticeable time on a booting node under TCG (32 steps for 1024 bytes took about 24 s).
  # The package made a key of its own when it was installed: munge restarts with this one.
  if hex_to_bytes "$(derive munge-0)$(derive munge-1)" | put /etc/munge/munge.key 0400; then
    chown munge:munge /etc/munge/munge.key; systemctl restart munge
  else
    systemctl is-active --quiet munge || systemctl restart munge
  fi
}

# members: "name ip status index wgpub wgip cpus mem" per member that has not left, by index.
members() {
  "$SERF" members -rpc-addr="$RPC" | awk '$3 != "left" {
      split($2, a, ":"); n = split($4, kv, ","); delete t
      for (i = 1; i <= n; i++) { p = index(kv[i], "="); t[substr(kv[i], 1, p - 1)] = substr(kv[i], p + 1) }
      print $1, a[1], $3, t["index"], t["wgpub"], t["wgip"], t["cpus"], t["mem"] }' | sort -n -k4
}

peers_conf() { # stdin: members
  echo "# WireGuard peers of $CLUSTEROS_NODE_NAME: every other alive member (clusteros-serf-agent)."
  while read -r name ip status _ wgpub wgip _; do
    if [ "$status" != alive ] || [ "$name" = "$CLUSTEROS_NODE_NAME" ]; then continue; fi
    printf '\n[Peer]\n# %s\nPublicKey = %s\nEndpoint = %s:%s\nAllowedIPs = %s/32\nPersistentKeepalive = 25\n' \
      "$name" "$wgpub" "$ip" "$CLUSTEROS_WIREGUARD_PORT" "$wgip"
  done
}

slurm_conf() { # CONTROLLER CONTROLLER_WGIP; stdin: members
  cat <<EOF
# SLURM configuration written by clusteros-serf-agent; identical on every node. Every address
# is a WireGuard address: SLURM's traffic goes over the mesh.
ClusterName=clusteros
SlurmctldHost=$1($2)
AuthType=auth/munge
CredType=cred/munge
SlurmUser=slurm
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/cgroup
TaskPlugin=task/cgroup,task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MpiDefault=none
SlurmdTimeout=120
EOF
  # A failed member stays listed (SLURM marks it down); one that left is gone.
  while read -r name _ _ _ _ wgip cpus mem; do
    echo "NodeName=$name NodeAddr=$wgip CPUs=$cpus RealMemory=$mem State=UNKNOWN"
  done
  echo "PartitionName=cluster Nodes=ALL Default=YES MaxTime=INFINITE State=UP"
}

reconcile() {
  exec 9> "$LIB/reconcile.lock"; flock 9
  local view controller controller_ip changed=0 roles now n=0 first="" name ip status rest
  view="$(members)" || { report "forming: serf does not answer"; return 0; }
  # The alive members, counted and the first (lowest index) kept, without a process.
  while read -r name ip status rest; do
    [ "$status" = alive ] || continue
    n=$((n + 1)); [ -n "$first" ] || first="$name $ip $status $rest"
  done <<<"$view"
  while read -r name ip status _; do [ -z "$name" ] || echo "$name $ip $status"; done <<<"$view" \
    | put_text "$REPORT/members" 0644 || true

  peers_conf <<<"$view" | put_text /etc/wireguard/peers.conf 0600 \
    && wg syncconf wg0 <(wg-quick strip wg0; cat /etc/wireguard/peers.conf)
  { sed '/^# BEGIN clusteros-agent/,/^# END clusteros-agent/d' /etc/hosts
    echo "# BEGIN clusteros-agent"
    while read -r name ip _ _ _ rest; do [ -z "$name" ] || printf '%s %s\n%s %s-wg\n' "$ip" "$name" "${rest%% *}" "$name"; done <<<"$view"
    echo "# END clusteros-agent"; } | put_text /etc/hosts 0644 || true

  roles=""
  if [ "$CLUSTEROS_SLURM" = true ]; then
    # Alone just after start, a node would elect itself: let discovery settle first.
    printf -v now '%(%s)T' -1
    if [ "$n" -le 1 ] && [ "$(( now - $(stat -c %Y "$LIB/started") ))" -lt "$SETTLE_SECONDS" ]; then
      report "forming: discovering members"; return 0
    fi
    read -r controller _ _ _ _ controller_ip _ <<<"$first"
    [ -e "$LIB/slurm-dirs" ] || { install -d -o slurm -g slurm /var/lib/slurm/slurmd /var/lib/slurm/slurmctld /var/log/slurm; : > "$LIB/slurm-dirs"; }
    slurm_conf "$controller" "$controller_ip" <<<"$view" | put_text /etc/slurm/slurm.conf 0644 && changed=1
    printf 'CgroupPlugin=autodetect\nConstrainCores=yes\nConstrainRAMSpace=yes\n' | put_text /etc/slurm/cgroup.conf 0644 || true
    if [ "$controller" = "$CLUSTEROS_NODE_NAME" ]; then
      roles="slurm-controller,slurm-node"
      [ -e /etc/clusteros/slurm-controller ] || { echo "slurmctld runs here (clusteros-serf-agent)" > /etc/clusteros/slurm-controller; changed=1; }
      if [ "$changed" = 1 ] || ! systemctl is-active --quiet slurmctld; then systemctl restart slurmctld; fi
    else
      roles="slurm-node"
      if [ -e /etc/clusteros/slurm-controller ]; then rm -f /etc/clusteros/slurm-controller; systemctl stop slurmctld || true; fi
    fi
    if [ "$changed" = 1 ] || ! systemctl is-active --quiet slurmd; then systemctl restart slurmd; fi
  fi
  echo "$roles" | put_text "$REPORT/roles" 0644 || true

  if [ "$CLUSTEROS_SLURM" = true ]; then
    local s; s="$(sinfo -h -N -n "$CLUSTEROS_NODE_NAME" -o %t 2>/dev/null)"; s="${s%%$'\n'*}"
    case "$s" in idle|alloc|mix|allocated|mixed|comp)
      report "ready: $n alive members, SLURM controller $controller" ;;
    *) report "forming: SLURM state '${s:-not registered}' ($n alive members, controller $controller)" ;;
    esac
  else
    report "ready: $n alive members"
  fi
}

# services_run: every service the agent runs is still active, asked with one systemctl call.
services_run() {
  local units=(wg-quick@wg0) out
  if [ "$CLUSTEROS_SLURM" = true ]; then
    units+=(munge slurmd); [ ! -e /etc/clusteros/slurm-controller ] || units+=(slurmctld)
  fi
  out="$(systemctl is-active "${units[@]}" 2>/dev/null)"; out="${out//$'\n'/}"
  [ -n "$out" ] && [ -z "${out//active/}" ]
}

# shellcheck disable=SC1091 # written by cloud-init on the node
identity() { . /etc/clusteros/node-agent.env; }

run() {
  identity
  if [ "${CLUSTEROS_MEMBERSHIP:-lab}" != agent ]; then
    log "membership is the lab's on this stack: nothing to do"; exec sleep infinity
  fi
  install -d -m 0700 "$LIB"; mkdir -p "$REPORT"; touch "$LIB/started"
  report "forming: starting"
  unpack_serf
  wireguard_identity
  [ "$CLUSTEROS_SLURM" != true ] || munge_key
  local iface cluster
  iface="$(ip -o -4 addr show | awk -v ip="$CLUSTEROS_NODE_IP" 'index($4, ip "/") == 1 { print $2; exit }')"
  cluster="clusteros-$(derive discovery | cut -c1-12)"
  # systemd's stop sends SIGTERM to serf too: it leaves the cluster then, rather than failing.
  echo '{ "leave_on_terminate": true }' > "$LIB/serf.json"
  "$SERF" agent -config-file="$LIB/serf.json" -node="$CLUSTEROS_NODE_NAME" -iface="$iface" -bind="$CLUSTEROS_NODE_IP:7946" -rpc-addr="$RPC" \
    -encrypt="$(hex_to_bytes "$(derive serf)" | base64 -w0)" -discover="$cluster" \
    -snapshot="$LIB/serf.snapshot" -rejoin -log-level=warn \
    -tag index="$CLUSTEROS_NODE_INDEX" -tag wgpub="$WG_PUBLIC" -tag wgip="$CLUSTEROS_WIREGUARD_IP" \
    -tag cpus="$(nproc)" -tag mem="$(awk '/MemTotal/ { print int($2 / 1024 * 0.75) }' /proc/meminfo)" \
    -event-handler="$SELF handle" &
  local serf=$!
  trap '"$SERF" leave -rpc-addr="$RPC" >/dev/null 2>&1 || true; wait "$serf"; exit 0' TERM INT
  # serf's events drive the changes. The loop notices what has no event: until the node is
  # ready, a reconcile every 2 s (SLURM registering it); then every 10 s one systemctl call
  # checks that the services still run (a reconcile if one does not), and a reconcile every
  # 2 minutes keeps the report true. A reconcile every 10 s, as this agent first did, kept
  # an idle node about 40 % of a core busy under TCG (some 40 processes, 5 s of CPU, each).
  local state last=0 now
  while kill -0 "$serf" 2>/dev/null; do
    state=""; read -r state 2>/dev/null < "$REPORT/state" || true
    printf -v now '%(%s)T' -1
    if [[ $state != ready* ]] || (( now - last >= 120 )) || ! services_run; then
      (reconcile) || log "reconcile failed"
      last=$now; state=""; read -r state 2>/dev/null < "$REPORT/state" || true
    fi
    if [[ $state == ready* ]]; then sleep 10 & else sleep 2 & fi
    wait $! || true
  done
  wait "$serf"
}

case "${1:-run}" in
  run) run ;;
  # serf runs the handler with the event on stdin: the whole view is read again instead.
  handle) cat >/dev/null; identity; reconcile ;;
  reconcile) identity; reconcile ;;
  *) echo "usage: $0 [run | reconcile | handle]" >&2; exit 2 ;;
esac
exit 0
