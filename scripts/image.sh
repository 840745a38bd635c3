#!/usr/bin/env bash
# image.sh STACK: `make image`: build or find STACK's node image and create nothing else, then
# print its path and content hash (lab/up.ts).
set -euo pipefail
exec "$(dirname "$0")/lab.sh" --stack "${1:?usage: image.sh STACK}" image
