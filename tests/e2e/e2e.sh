#!/usr/bin/env bash
# End-to-end test: a real 3-node cluster from the ci stack's settings, built with Packer,
# checked from outside over SSH, scaled to 4 and back, destroyed. Runs in a namespace of
# its own with its own libvirtd; leaves nothing behind, pass or fail.
# Each check prints PASS/FAIL with the node and what failed; results go to $E2E_RESULTS.
set -uo pipefail
. "$(dirname "$0")/../../scripts/lib/common.sh"
. "$(dirname "$0")/lib.sh"
lab_load_env
cd "$LAB_ROOT" || exit 1

RUN_ID="$(date +%s)-$$"
STACK="e2e-$RUN_ID"
NS="clab-e2e-$$"
E2E_RESULTS="${E2E_RESULTS:-/dev/null}"
WORK="$(mktemp -d /tmp/clusteros-e2e.XXXXXX)"
KEEP="$LAB_STATE/e2e-failures/$RUN_ID"
KEY="$WORK/id"
FAILED=0
PREFIX="clusteros-lab-$STACK"

cleanup() {
  local rc=$?
  if [ "$FAILED" -ne 0 ] || [ $rc -ne 0 ]; then
    mkdir -p "$KEEP"
    cp /var/log/libvirt/qemu/"$PREFIX"-node-*-serial.log "$KEEP/" 2>/dev/null || true
    cp "$WORK"/*.log "$KEEP/" 2>/dev/null || true
    echo "e2e: FAILED; serial and pulumi logs kept in $KEEP"
  fi
  phase "destroy"
  if pulumi stack ls --json 2>/dev/null | grep -q "\"$STACK\""; then
    ns pulumi destroy --stack "$STACK" --yes --skip-preview >"$WORK/destroy.log" 2>&1 \
      || { echo "e2e: destroy failed, see $KEEP/destroy.log"; mkdir -p "$KEEP"; cp "$WORK/destroy.log" "$KEEP/"; }
    pulumi stack rm "$STACK" --yes --force >/dev/null 2>&1
  fi
  phase_end
  leak_checks
  rm -f "Pulumi.$STACK.yaml" /var/log/libvirt/qemu/"$PREFIX"-node-*
  scripts/libvirtd.sh stop "$NS" >/dev/null 2>&1
  ip netns list | grep -qw "^$NS" && record FAIL "namespace $NS still exists after stop"
  rm -rf "$WORK"
  print_phases
  [ "$FAILED" -eq 0 ] && [ $rc -eq 0 ]
}
trap 'cleanup; exit $?' EXIT
trap 'exit 130' INT TERM

ns() { ip netns exec "$NS" "$@"; }

# The test is one function, read completely before it runs (editing this file during a
# run cannot change the run).
main() {
  # --- setup -------------------------------------------------------------------------
  phase "setup"
  images/debian/build-base.sh >/dev/null || die "the Debian base could not be built (apt)"
  scripts/libvirtd.sh start "$NS" || die "libvirtd did not start in namespace $NS"
  pulumi stack init "$STACK" --secrets-provider passphrase --no-select >/dev/null || die "stack init"
  # The ci stack's settings, plus a test node-agent so the bake-in path is exercised.
  grep -v '^encryptionsalt' Pulumi.ci.yaml | sed '/^config:/,$!d' >> "Pulumi.$STACK.yaml"
  pulumi config set --stack "$STACK" nodeAgentPath "$LAB_ROOT/tests/e2e/fixtures/node-agent" >/dev/null
  phase_end

  # --- up: image build, nodes, readiness -----------------------------------------------
  phase "up (image build + nodes + ready)"
  ns pulumi up --stack "$STACK" --yes --skip-preview >"$WORK/up.log" 2>&1
  check "pulumi up creates the cluster" test $? -eq 0 || { tail -40 "$WORK/up.log"; exit 1; }
  phase_end
  report_image_build "$WORK/up.log"

  pulumi stack output --stack "$STACK" automationPrivateKey --show-secrets > "$KEY" && chmod 600 "$KEY"
  mapfile -t IPS < <(pulumi stack output --stack "$STACK" nodes --json | node -e \
    'for (const n of JSON.parse(require("fs").readFileSync(0,"utf8"))) console.log(n.ip)')
  # shellcheck disable=SC2034 # used by on() in lib.sh
  USER_NAME="$(pulumi stack output --stack "$STACK" adminUser)"

  check "stack outputs show no secret in plaintext" \
    bash -c "! pulumi stack output --stack '$STACK' --json | grep -q 'PRIVATE KEY'"

  phase "checks (3 nodes)"
  cluster_checks 3
  phase_end

  phase "documented commands"
  docs_checks
  phase_end

  phase "preview --expect-no-changes"
  check "pulumi preview after up shows no changes" \
    quietly "$WORK/preview.log" ns pulumi preview --stack "$STACK" --expect-no-changes || tail -30 "$WORK/preview.log"
  phase_end

  # --- scale out to 4 ------------------------------------------------------------------
  phase "scale out 3 -> 4"
  pulumi config set --stack "$STACK" nodeCount 4 >/dev/null
  ns pulumi up --stack "$STACK" --yes --skip-preview >"$WORK/scale-out.log" 2>&1
  check "pulumi up to 4 nodes" test $? -eq 0 || { tail -40 "$WORK/scale-out.log"; exit 1; }
  phase_end
  check_last_update_changes "scale out" "create" "replace,delete"
  check "scale out does not run Packer" bash -c "! grep -q 'packer build' '$WORK/scale-out.log'"
  mapfile -t IPS < <(pulumi stack output --stack "$STACK" nodes --json | node -e \
    'for (const n of JSON.parse(require("fs").readFileSync(0,"utf8"))) console.log(n.ip)')
  phase "checks (4 nodes)"
  cluster_checks 4
  phase_end

  # --- scale in to 3 -------------------------------------------------------------------
  phase "scale in 4 -> 3"
  pulumi config set --stack "$STACK" nodeCount 3 >/dev/null
  ns pulumi up --stack "$STACK" --yes --skip-preview >"$WORK/scale-in.log" 2>&1
  check "pulumi up back to 3 nodes" test $? -eq 0 || { tail -40 "$WORK/scale-in.log"; exit 1; }
  phase_end
  check_last_update_changes "scale in" "delete" "replace"
  check "node 4's domain is gone" bash -c "! virsh -c qemu:///system list --all --name | grep -qx '$PREFIX-node-4'"
  IPS=("${IPS[@]:0:3}")
  phase "checks (back to 3 nodes)"
  mesh_checks 3
  slurm_checks 3
  phase_end

  phase "status of a broken cluster"
  broken_node_checks 2
  phase_end

  exit "$FAILED"
}

main
