# shellcheck shell=bash
# Cluster membership of one node: WireGuard peers, /etc/hosts, SLURM's node list. Run as
# root over SSH by the stack whenever the membership changes. Static: what it applies
# comes in the environment (components/plan/membership.ts builds it), file contents in base64:
#   MEMBERSHIP_HOSTNAME, MEMBERSHIP_GENERATION, MEMBERSHIP_NODE_COUNT,
#   MEMBERSHIP_SLURM (true|false), MEMBERSHIP_SLURM_CONTROLLER (true|false),
#   MEMBERSHIP_PEERS_CONF, MEMBERSHIP_HOSTS, MEMBERSHIP_SLURM_CONF, MEMBERSHIP_CGROUP_CONF,
#   MEMBERSHIP_POD_ROUTES (other nodes' pod subnets, space-separated; empty without upstream Kubernetes).
set -euo pipefail
say() { echo "[$MEMBERSHIP_HOSTNAME] $*"; }
say "membership generation $MEMBERSHIP_GENERATION"

# Identity first: cloud-init's init stage writes it (identity-wait.sh).
wait_for_identity 900

put() { # put PATH MODE BASE64
  install -d "$(dirname "$1")"
  echo "$3" | base64 -d > "$1.new"; chmod "$2" "$1.new"; mv "$1.new" "$1"
}

put /etc/wireguard/peers.conf 0600 "$MEMBERSHIP_PEERS_CONF"
systemctl is-active --quiet wg-quick@wg0 || systemctl restart wg-quick@wg0
wg syncconf wg0 <(wg-quick strip wg0; cat /etc/wireguard/peers.conf)
say "WireGuard: $(wg show wg0 peers | wc -l) peers"

# Pod subnets of the other nodes go over the mesh; wg0.conf's PostUp sets them again
# whenever wg0 comes up (a reboot). Routes of nodes that left are removed.
old_routes="$(cat /etc/wireguard/routes 2>/dev/null || true)"
printf '%s\n' $MEMBERSHIP_POD_ROUTES > /etc/wireguard/routes.new && mv /etc/wireguard/routes.new /etc/wireguard/routes
for r in $old_routes; do
  case " $MEMBERSHIP_POD_ROUTES " in *" $r "*) ;; *) ip route del "$r" dev wg0 2>/dev/null || true ;; esac
done
for r in $MEMBERSHIP_POD_ROUTES; do ip route replace "$r" dev wg0; done
[ -z "$MEMBERSHIP_POD_ROUTES" ] || say "pod routes over wg0: $MEMBERSHIP_POD_ROUTES"

hosts_block="$(echo "$MEMBERSHIP_HOSTS" | base64 -d)"
{ sed '/^# BEGIN clusteros-lab/,/^# END clusteros-lab/d' /etc/hosts
  echo "# BEGIN clusteros-lab"; echo "$hosts_block"; echo "# END clusteros-lab"; } > /etc/hosts.new
mv /etc/hosts.new /etc/hosts
say "/etc/hosts: $MEMBERSHIP_NODE_COUNT nodes"

if [ "$MEMBERSHIP_SLURM" = true ]; then
  put /etc/slurm/slurm.conf 0644 "$MEMBERSHIP_SLURM_CONF"
  put /etc/slurm/cgroup.conf 0644 "$MEMBERSHIP_CGROUP_CONF"
  install -d -o slurm -g slurm /var/lib/slurm/slurmd /var/lib/slurm/slurmctld /var/log/slurm
  # The image enables these; their drop-ins held them back until slurm.conf existed.
  systemctl is-active --quiet munge || systemctl restart munge
  if [ "$MEMBERSHIP_SLURM_CONTROLLER" = true ]; then systemctl restart slurmctld; fi
  systemctl restart slurmd
  say "SLURM: configured for $MEMBERSHIP_NODE_COUNT nodes"
fi
