#!/usr/bin/env bash
# Cluster services are enabled here, at build time (enabling SysV-backed units is slow on
# a booted node), and wait for their configuration through drop-in conditions: slurmd for
# slurm.conf (cluster membership), slurmctld also for the controller marker (cloud-init).
# munge starts with the package's key and is restarted by cloud-init with the cluster's.
. /tmp/clusteros-payload/lib.sh
for unit in slurmd slurmctld; do
  install -D -m 0644 "$PAYLOAD/systemd/$unit.conf" "/etc/systemd/system/$unit.service.d/clusteros.conf"
done
systemctl enable munge.service slurmd.service slurmctld.service
say "munge, slurmd and slurmctld enabled; slurm waits for its configuration"
