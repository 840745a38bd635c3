#!/usr/bin/env bash
# image.sh STACK: build or find STACK's node image and create nothing else (no pool, network
# or node), then print its path and content hash. It is a targeted pulumi up of the stack's
# NodeImage and the Packer command under it, so the image is the very one make up uses, and
# make up finds it built.
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$(dirname "$0")/lib/inputs.sh"
lab_load_env
stack="${1:?usage: image.sh STACK}"
cd "$LAB_ROOT"
lab_image_inputs "$stack"
scripts/libvirtd.sh ensure
scripts/lab.sh --stack "$stack" recover
urn="urn:pulumi:$stack::$LAB_PROJECT"
lab_in_place pulumi up --stack "$stack" --yes --skip-preview \
  --target "$urn::clusteros:lab:Cluster::*" --target "$urn::**clusteros:lab:NodeImage**"
pulumi stack export --stack "$stack" | node -e '
  const state = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const image = (state.deployment.resources ?? []).find((r) => r.type === "clusteros:lab:NodeImage");
  if (!image?.outputs?.imagePath) { console.error("no image in the stack state after the update"); process.exit(1); }
  console.log(`image: ${image.outputs.imagePath}`);
  if (image.outputs.hash) console.log(`hash:  ${image.outputs.hash}`);'
