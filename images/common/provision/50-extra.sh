#!/usr/bin/env bash
# The image's own additions (config key imageProvisionDir): the user's scripts, run as root in
# name order after the lab's provisioning, with the payload's build.env in their environment.
# A failing script fails the build, named; build.sh then keeps no image.
# shellcheck source=lib.sh
. "${CLUSTEROS_PAYLOAD:-/tmp/clusteros-payload}/lib.sh"
dir="$PAYLOAD/extra-provision"
# The build's settings (FLAVOR, EXTRA_PACKAGES, ...) in the scripts' environment.
set -a
# shellcheck source=/dev/null
. "$PAYLOAD/build.env"
set +a
if [ ! -d "$dir" ]; then say "no extra provisioning (imageProvisionDir)"; exit 0; fi
# Name order as the lab's hash has it (byte order, whatever the locale).
export LC_ALL=C
for script in "$dir"/*.sh; do
  [ -f "$script" ] || continue
  name="$(basename "$script")"
  say "extra provisioning: $name"
  bash -euo pipefail "$script" || { say "extra provisioning script $name failed (exit $?, imageProvisionDir): the image is not built"; exit 1; }
done
