#!/usr/bin/env bash
# Cluster services start only once cloud-init has given the node its identity:
# munge needs the cluster's key, slurmd/slurmctld their config, wg-quick its key.
. /tmp/clusteros-payload/lib.sh
for unit in munge slurmctld slurmd; do
  systemctl disable "$unit.service" 2>/dev/null || true
done
say "munge, slurmctld and slurmd disabled until cloud-init configures them"
