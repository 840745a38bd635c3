# shellcheck shell=bash
# Run as root on every node by `lab checkpoint restore`, after the guest clock was set.
# WireGuard's sessions survived the revert, but their handshake times are wall-clock times
# from before the checkpoint, so they look stale until the next rekey (minutes away). Each
# node renews its sessions with the peers above its own address: it drops and re-adds them
# (from its own peer list) and pings them, so each pair makes one fresh handshake, started
# from one side only (two sides resetting at once would lose handshakes for seconds).
# After a clock fault (RENEW_ALL=1, set by `lab heal`) every node drops and re-adds every
# peer: a peer still holding the moved clock's handshake times as the latest would refuse
# any older one as a replay, whichever side's clock moved.
set -euo pipefail
RENEW_ALL="${RENEW_ALL:-}"
as_int() { local IFS=.; read -r a b c d <<<"$1"; echo $(((a << 24) + (b << 16) + (c << 8) + d)); }
self="$(ip -4 -o addr show dev wg0 | awk '{ sub("/.*", "", $4); print $4; exit }')"
renew=()
while read -r key ips; do
  ip="${ips%%/*}"
  if [ "$(as_int "$ip")" -gt "$(as_int "$self")" ]; then
    wg set wg0 peer "$key" remove
    renew+=("$ip")
  elif [ -n "$RENEW_ALL" ]; then
    wg set wg0 peer "$key" remove
  fi
done < <(wg show wg0 allowed-ips)
wg addconf wg0 /etc/wireguard/peers.conf # re-adds the dropped peers, leaves the others as they are
for ip in "${renew[@]}"; do
  ping -c 1 -W 5 "$ip" >/dev/null || echo "no answer from $ip over WireGuard" >&2 &
done
wait
