# shellcheck shell=bash
# lab_progress WHAT KEY CMD...: runs CMD, which may take minutes (a Go build, the Debian base,
# the Kubernetes bundle), with its standard error in a log file. On a terminal, one line
# counts the time it has taken so far, with the time it took when it last did real work
# (kept per KEY in the cache) as the estimate. Off a terminal (CI) it prints nothing unless
# CMD fails; then, on both, the log's last lines and where the whole log is.
lab_progress() {
  local what="$1" key="$2"; shift 2
  local times="$LAB_CACHE/durations" log last t0 took rc=0 ticker=""
  mkdir -p "$times"
  log="$(mktemp "${TMPDIR:-/tmp}/clusteros-lab-$key.XXXXXX")"
  last="$(cat "$times/$key" 2>/dev/null || true)"
  t0=$(date +%s)
  if [ -t 2 ]; then
    (while sleep 1; do
      printf '\r==> %s: %ss%s ' "$what" "$(($(date +%s) - t0))" "${last:+ (it took ${last}s last time)}" >&2
    done) &
    ticker=$!
  fi
  "$@" 2>"$log" || rc=$?
  if [ -n "$ticker" ]; then
    kill "$ticker" 2>/dev/null
    wait "$ticker" 2>/dev/null || true # it ends killed
    printf '\r\033[K' >&2
  fi
  took=$(($(date +%s) - t0))
  if [ "$rc" -ne 0 ]; then
    tail -n 30 "$log" >&2
    lab_log "$what failed after ${took}s (exit $rc); its whole log: $log"
    return "$rc"
  fi
  rm -f "$log"
  # Only real work is an estimate: a step that found its result cached takes a second.
  if [ "$took" -ge 10 ]; then
    echo "$took" >"$times/$key"
    [ ! -t 2 ] || lab_log "$what: done in ${took}s"
  fi
}
