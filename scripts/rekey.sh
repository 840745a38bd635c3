#!/usr/bin/env bash
# rekey.sh STACK OLD_PASSPHRASE: re-encrypt a stack's secrets (state and secure config) with
# the current passphrase (PULUMI_CONFIG_PASSPHRASE(_FILE), by default this machine's own).
# Its libvirt objects are not touched. `pulumi stack change-secrets-provider` cannot do
# this non-interactively for passphrase to passphrase (both sides read the same variable),
# so: export with the old passphrase, re-create the stack's state with a new salt, import.
# The plaintext export lives in a 0700 directory only until the import has succeeded.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
lab_load_env
stack="${1:?usage: scripts/rekey.sh STACK OLD_PASSPHRASE}" old="${2:?old passphrase}"
cd "$LAB_ROOT"
file="Pulumi.$stack.yaml"
work="$(mktemp -d)"
chmod 0700 "$work"
keep=0
trap '[ "$keep" -eq 1 ] || rm -rf "$work"' EXIT
with_old() { PULUMI_CONFIG_PASSPHRASE_FILE="" PULUMI_CONFIG_PASSPHRASE="$old" "$@"; }

lab_log "re-encrypting stack $stack with this machine's passphrase"
with_old pulumi stack export --stack "$stack" --show-secrets --file "$work/state.json"
with_old pulumi config --stack "$stack" --show-secrets --json > "$work/config.json"
cp "$file" "$work/$file"
pulumi stack rm "$stack" --force --yes --preserve-config >/dev/null
keep=1 # from here until the import, the export is the only copy of the state
sed -i '/^encryptionsalt:/d' "$file"
node -e '
  // secure values cannot be read with the new salt: drop them, set again below.
  const fs = require("fs"), yaml = require("yaml");
  const doc = yaml.parseDocument(fs.readFileSync(process.argv[1], "utf8"));
  const config = doc.get("config");
  for (const item of (config && config.items) || []) {
    if (yaml.isMap(item.value) && item.value.has("secure")) config.delete(item.key);
  }
  fs.writeFileSync(process.argv[1], doc.toString());' "$file"
pulumi stack init "$stack" --secrets-provider passphrase --no-select >/dev/null
node -e '
  const fs = require("fs");
  const [exported, current] = process.argv.slice(1);
  const e = JSON.parse(fs.readFileSync(exported, "utf8"));
  e.deployment.secrets_providers = JSON.parse(fs.readFileSync(current, "utf8")).deployment.secrets_providers;
  fs.writeFileSync(exported, JSON.stringify(e));' "$work/state.json" <(pulumi stack export --stack "$stack")
pulumi stack import --stack "$stack" --file "$work/state.json" >/dev/null \
  || lab_die "import failed: the stack's state (plaintext secrets) is in $work/state.json, its old config in $work/$file; restore with PULUMI_CONFIG_PASSPHRASE=<old> pulumi stack import --file ..."
node -e '
  const c = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  for (const [k, v] of Object.entries(c)) if (v.secret) console.log(k);' "$work/config.json" | while read -r key; do
  node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))[process.argv[2]].value' "$work/config.json" "$key" \
    | pulumi config set --stack "$stack" --secret "$key" >/dev/null
done
keep=0
pulumi stack export --stack "$stack" --show-secrets >/dev/null || lab_die "stack $stack does not open with the new passphrase"
lab_log "stack $stack re-encrypted; the published passphrase no longer opens it"
