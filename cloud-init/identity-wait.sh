# shellcheck shell=bash
# wait_for_identity SECONDS: waits until cloud-init's init stage has ended on this boot, then
# fails if it had errors. That stage writes everything a node is given (its identity, keys,
# files, users, SSH); the config and final stages after it change nothing the lab's steps
# read, so they go on while the step runs. Read from status.json directly (`cloud-init
# status` costs seconds of Python start-up under TCG); the caller defines say.
# Prepended to the steps that need it (components/plan/membership.ts, agent-readiness.ts).
CLOUD_INIT_STATUS="${CLOUD_INIT_STATUS:-/run/cloud-init/status.json}"
init_stage() { # done, error, or nothing while the stage has not ended
  awk '/^  "init": \{/ { f = 1; next } f && /^  \}/ { exit }
       f && /"errors": \[$/ { bad = 1 } f && /"finished": [0-9]/ { end = 1 }
       END { if (end) print (bad ? "error" : "done") }' "$CLOUD_INIT_STATUS" 2>/dev/null
}
wait_for_identity() {
  local deadline=$(( $(date +%s) + $1 )) stage
  until stage="$(init_stage)"; [ -n "$stage" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { say "cloud-init's init stage has not ended after $1 s; see /var/log/cloud-init-output.log"; exit 1; }
    sleep 0.5
  done
  [ "$stage" = done ] || { cat "$CLOUD_INIT_STATUS"; say "cloud-init's init stage failed; see /var/log/cloud-init-output.log"; exit 1; }
}
