#!/usr/bin/env bash
# Cluster services are enabled here, at build time (enabling units on a booted node costs a
# systemd reload, and SysV-backed ones are slow), and wait for their configuration through
# drop-in conditions and ordering: wg-quick@wg0 for wg0.conf, munge for cloud-init (which
# writes the cluster's key), slurmd for slurm.conf (cluster membership), slurmctld also for
# the controller marker (cloud-init); systemd-networkd-wait-online for a network to configure.
. /tmp/clusteros-payload/lib.sh
for unit in slurmd slurmctld munge wg-quick@ systemd-networkd-wait-online; do
  install -D -m 0644 "$PAYLOAD/systemd/$unit.conf" "/etc/systemd/system/$unit.service.d/clusteros.conf"
done
systemctl enable munge.service slurmd.service slurmctld.service wg-quick@wg0.service
say "wg-quick@wg0, munge, slurmd and slurmctld enabled; each waits for its configuration"
