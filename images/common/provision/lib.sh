# shellcheck shell=bash
# Shared by the provisioning scripts (Packer uploads each script alone, so they
# source the payload's copy of this file).
set -euo pipefail
PAYLOAD=/tmp/clusteros-payload
# shellcheck source=/dev/null
. "$PAYLOAD/build.env"
say() { printf 'clusteros-provision: %s\n' "$*"; }
