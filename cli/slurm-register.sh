# shellcheck shell=bash
# Run as root on every node by `lab checkpoint restore`, once every node's clock is set and its
# WireGuard sessions are renewed (cli/after-restore.sh). slurmctld's view of its nodes dates from
# the checkpoint: after the clock's jump it may take a node whose last answer is older than
# SlurmdTimeout for dead, and slurmctld never pings a node it set DOWN for not responding again;
# it waits for that node to register, which slurmd does when it starts (measured: a restore 150 s
# after its checkpoint left a node down* "Not responding" for minutes). On the node that runs
# slurmctld, a reconfigure has every slurmd register now: their answers are fresh, and a node set
# DOWN that way is back (ReturnToService=2). The other nodes do nothing.
set -euo pipefail
systemctl is-active --quiet slurmctld || exit 0
scontrol reconfigure
