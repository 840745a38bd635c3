#!/usr/bin/env bash
# lab.sh: the cluster control CLI (cli/lab.ts). `scripts/lab.sh --help` lists its commands.
# Commands that reach nodes (status, ssh, exec) must run inside the cluster's namespace:
#   ip netns exec clusteros-lab scripts/lab.sh --stack ci status
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
lab_load_env
exec node "$LAB_ROOT/node_modules/ts-node/dist/bin.js" --transpile-only --project "$LAB_ROOT/tsconfig.json" \
  "$LAB_ROOT/cli/lab.ts" "$@"
