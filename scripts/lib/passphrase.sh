# shellcheck shell=bash
# The passphrase that encrypts the secrets in this machine's Pulumi state (WireGuard keys,
# munge key, K3s token, cluster key, SSH keys). Sourced by toolchain.sh.
#
# Unless the user gives PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE, it is a
# random passphrase generated once per machine, in a 0600 file in the 0700 state directory
# (lab_env_exports points PULUMI_CONFIG_PASSPHRASE_FILE at it). Stacks made before that,
# with the passphrase earlier versions published ("clusteros-lab"), are re-encrypted with it.

LAB_PASSPHRASE_FILE="$LAB_STATE/passphrase"
LAB_PUBLISHED_PASSPHRASE=clusteros-lab

tc_passphrase() {
  mkdir -p "$LAB_STATE" && chmod 0700 "$LAB_STATE"
  [ -z "${PULUMI_CONFIG_PASSPHRASE+set}" ] || return 0
  if [ -n "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ] && [ "$PULUMI_CONFIG_PASSPHRASE_FILE" != "$LAB_PASSPHRASE_FILE" ]; then
    [ -r "$PULUMI_CONFIG_PASSPHRASE_FILE" ] \
      || lab_die "PULUMI_CONFIG_PASSPHRASE_FILE is $PULUMI_CONFIG_PASSPHRASE_FILE, which cannot be read: fix the path or unset it (the lab then makes its own)"
    return 0
  fi
  [ -s "$LAB_PASSPHRASE_FILE" ] && return 0
  (umask 077 && head -c 32 /dev/urandom | base64 > "$LAB_PASSPHRASE_FILE.new" && mv "$LAB_PASSPHRASE_FILE.new" "$LAB_PASSPHRASE_FILE")
  lab_log "generated this machine's state passphrase in $LAB_PASSPHRASE_FILE (mode 0600; keep it with your state)"
}

# opens_with STACK PASSPHRASE: the stack's secrets decrypt with this passphrase.
tc_opens_with() {
  (cd "$LAB_ROOT" && PULUMI_CONFIG_PASSPHRASE_FILE="" PULUMI_CONFIG_PASSPHRASE="$2" \
    pulumi stack export --stack "$1" --show-secrets >/dev/null 2>&1)
}

# Every stack of the backend still on the published passphrase moves to this machine's.
tc_rekey_published() {
  local s stacks
  [ -z "${PULUMI_CONFIG_PASSPHRASE+set}" ] || return 0 # the user chose the passphrase
  stacks="$(cd "$LAB_ROOT" && PULUMI_CONFIG_PASSPHRASE="$LAB_PUBLISHED_PASSPHRASE" PULUMI_CONFIG_PASSPHRASE_FILE="" \
    pulumi stack ls --json 2>/dev/null | node -e 'for (const s of JSON.parse(require("fs").readFileSync(0, "utf8"))) console.log(s.name)')"
  for s in $stacks; do
    [ -f "$LAB_ROOT/Pulumi.$s.yaml" ] || continue
    if tc_opens_with "$s" "$LAB_PUBLISHED_PASSPHRASE" && ! tc_opens_with "$s" "$(cat "$PULUMI_CONFIG_PASSPHRASE_FILE")"; then
      printf '%s\n' "$LAB_PUBLISHED_PASSPHRASE" | "$LAB_ROOT/scripts/lab.sh" rekey "$s"
    fi
  done
}

# Pulumi writes each stack's salt into Pulumi.<stack>.yaml on every update. The salt belongs
# to this machine's passphrase and is kept in the state as well, so a clean filter keeps it
# out of the checkout's commits and diffs (.gitattributes names the files).
tc_git_salt_filter() {
  git -C "$LAB_ROOT" rev-parse --git-dir >/dev/null 2>&1 || return 0
  git -C "$LAB_ROOT" config filter.clusteros-lab-salt.clean "sed '/^encryptionsalt:/d'"
  git -C "$LAB_ROOT" config filter.clusteros-lab-salt.smudge cat
}
