# shellcheck shell=bash
# Shared by the provisioning scripts (Packer uploads each script alone, so they
# source the payload's copy of this file).
set -euo pipefail
PAYLOAD="${CLUSTEROS_PAYLOAD:-/tmp/clusteros-payload}" # elsewhere only in unit tests
# shellcheck source=/dev/null
. "$PAYLOAD/build.env"
say() { printf 'clusteros-provision: %s\n' "$*"; }
