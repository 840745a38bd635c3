# shellcheck shell=bash
# What an earlier test run left when it was killed (SIGKILL runs no trap, and the libvirt
# daemons it started live on in their namespaces): its stacks with their domains, networks,
# pools, disks and seeds, the daemons and namespaces it started, its second host, its
# scratch directory, and what libvirt itself records of them. scripts/test.sh removes them
# before it runs the e2e scripts.
# Only what a test run made and named after itself is touched: stacks
# e2e|mh|k8s-<time>-<pid>[-b|-own|-agent], namespaces clab-e2e|mh|k8s|fail|h2-<pid>, scratch
# directories holding a pid file, the user clab-user-<pid> with its home (whose Pulumi state
# holds the stack e2e-<time>-<pid>-user: libvirt's records of it go with sweep_libvirt), each
# only once the run's process <pid> is gone. The
# user's stacks and domains, and a run still going, are never touched.

# sweep_owner NAME: "KIND PID" when NAME is a test run's stack or namespace, else nothing.
sweep_owner() {
  if [[ "$1" =~ ^(e2e|mh|k8s)-[0-9]+-([0-9]+)(-b|-own|-agent)?$ ]] || [[ "$1" =~ ^clab-(e2e|mh|k8s|fail|h2)-([0-9]+)$ ]]; then
    echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
  fi
}

sweep_gone() { ! kill -0 "$1" 2>/dev/null; }

# sweep_stack STACK KIND PID: destroyed where its run's daemon still answers, then its state,
# settings file, disks and seeds removed.
sweep_stack() {
  local s="$1" ns="clab-$2-$3"
  rm -f "$LAB_STATE/backend/.pulumi/locks/organization/$LAB_PROJECT/$s/"*.json
  if ip netns list | grep -qw "^$ns"; then
    CLUSTEROS_LAB_NETNS="$ns" ip netns exec "$ns" pulumi destroy --stack "$s" --yes --skip-preview >/dev/null 2>&1
  else
    lab_in_place pulumi destroy --stack "$s" --yes --skip-preview >/dev/null 2>&1
  fi || echo "sweep: pulumi destroy of $s failed; its state is removed all the same"
  lab_stack_rm "$s"
  rm -rf "$LAB_ROOT/Pulumi.$s.yaml" "/var/lib/libvirt/images/$LAB_PROJECT-$s" "$LAB_STATE/seeds/$LAB_PROJECT-$s"
  echo "sweep: removed stack $s, left by test run $3"
}

# sweep_namespace NS: every process in it stopped (its libvirt daemons and their guests), then it goes.
sweep_namespace() {
  local p
  for p in $(ip netns pids "$1"); do kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in $(ip netns pids "$1"); do kill -9 "$p" 2>/dev/null || true; done
  ip netns delete "$1"
  echo "sweep: removed namespace $1 and what ran in it"
}

# sweep_user USER: a normal-user run's account (tests/e2e/normal-user.test.ts): its processes
# stopped, then the account and its home (its clone, caches and Pulumi state) removed.
sweep_user() {
  pkill -9 -u "$1" 2>/dev/null || true
  userdel -r "$1" >/dev/null 2>&1 || true
  echo "sweep: removed user $1 and its home, left by test run ${1#clab-user-}"
}

# sweep_libvirt [ROOT]: libvirt's own records of a gone run's objects, which outlive
# its daemon and its stack (a stack removed by hand leaves nothing for sweep_stack to start
# from), and a daemon started later would load: domain, network and pool definitions under
# /etc/libvirt named $LAB_PROJECT-<a test run's stack>..., their autostart links and UEFI
# variable stores, and the run's disks under /var/lib/libvirt/images (all under ROOT, / by
# default). Undefined through a daemon that answers (never under its feet), else removed as
# files.
sweep_libvirt() {
  local root="${1:-}" f name kind virsh_up=""
  local etc="$root/etc/libvirt" images="$root/var/lib/libvirt/images" nvram="$root/var/lib/libvirt/qemu/nvram"
  # Asked only when a daemon runs: virsh would socket-activate a system one, which would load
  # the very definitions this removes.
  if pgrep -x libvirtd >/dev/null || pgrep -x virtqemud >/dev/null; then
    virsh -c qemu:///system version >/dev/null 2>&1 && virsh_up=1
  fi
  for f in "$etc"/qemu/*.xml "$etc"/qemu/networks/*.xml "$etc"/storage/*.xml; do
    [ -f "$f" ] || continue
    name="$(basename "$f" .xml)"
    # A test run's stack (as sweep_owner has it) and what the lab names after it, nothing else.
    [[ "$name" =~ ^$LAB_PROJECT-(e2e|mh|k8s)-[0-9]+-([0-9]+)(-b|-own|-agent|-user)?(-node-[0-9]+|-net|-pool)$ ]] || continue
    sweep_gone "${BASH_REMATCH[2]}" || continue
    case "$f" in */networks/*) kind=net ;; */storage/*) kind=pool ;; *) kind=domain ;; esac
    if [ -n "$virsh_up" ]; then
      case "$kind" in
        net) virsh -c qemu:///system net-destroy "$name"; virsh -c qemu:///system net-undefine "$name" ;;
        pool) virsh -c qemu:///system pool-destroy "$name"; virsh -c qemu:///system pool-undefine "$name" ;;
        domain) virsh -c qemu:///system destroy "$name"
          virsh -c qemu:///system undefine --nvram --snapshots-metadata --managed-save "$name" ;;
      esac >/dev/null 2>&1
    fi
    rm -f "$f" "$(dirname "$f")/autostart/$name.xml"
    [ "$kind" != domain ] || rm -f "$nvram/${name}_VARS.fd"
    echo "sweep: removed libvirt $kind $name, left by test run ${BASH_REMATCH[2]}"
  done
  for f in "$images/$LAB_PROJECT"-*; do
    [ -d "$f" ] || continue
    name="$(basename "$f")"
    [[ "$name" =~ ^$LAB_PROJECT-(e2e|mh|k8s)-[0-9]+-([0-9]+)(-b|-own|-agent|-user)?$ ]] && sweep_gone "${BASH_REMATCH[2]}" || continue
    rm -rf "$f" && echo "sweep: removed $f"
  done
}

# sweep_leftovers [SCRATCH_ROOT]: all of the above; the runs' scratch directories are in
# SCRATCH_ROOT (/tmp, as e2e_run_start makes them).
sweep_leftovers() {
  local name owner root="${1:-/tmp}"
  for name in $(pulumi stack ls --json 2>/dev/null | jq -r '.[].name'); do
    owner="$(sweep_owner "$name")"
    # shellcheck disable=SC2086 # owner is "KIND PID"
    [ -n "$owner" ] && sweep_gone "${owner#* }" && sweep_stack "$name" $owner
  done
  for name in $(ip netns list | awk '{print $1}'); do
    owner="$(sweep_owner "$name")"
    [ -n "$owner" ] && sweep_gone "${owner#* }" && sweep_namespace "$name"
  done
  for name in $(getent passwd | cut -d: -f1 | grep -E '^clab-user-[0-9]+$'); do
    sweep_gone "${name#clab-user-}" && sweep_user "$name"
  done
  for name in "$root"/clusteros-e2e.* "$root"/clusteros-mh.* "$root"/clusteros-k8s.*; do
    [ -f "$name/pid" ] && sweep_gone "$(cat "$name/pid")" && rm -rf "$name" && echo "sweep: removed $name"
  done
  # Last: what libvirt still records of them once their stacks and daemons are gone.
  sweep_libvirt "${SWEEP_ROOT:-}"
  return 0
}
