#!/usr/bin/env bash
# kubernetes.sh: the Kubernetes bundle, upstream Kubernetes and its node runtime built from
# source on this machine, for Packer to bake into the node image. Needs the Go module proxy
# and Debian's apt (for busybox-static), so run it outside any lab network namespace.
#
#   scripts/kubernetes.sh build   build the bundle unless it is there; print its directory
#   scripts/kubernetes.sh path    print the bundle's directory, or fail if it is not built
#   scripts/kubernetes.sh check   start the bundle's containerd in a scratch directory (host
#                                 network, no daemon left behind), import both images, list
#                                 them, run busybox with the bundle's runc
#
# Inputs, all in toolchain/kubernetes/: versions.env (the pinned versions and image refs,
# one place each), one Go module per upstream project (go.mod pins the same version and
# names the commands as `tool` lines; k8s.io/kubernetes's staging modules are replaced with
# their published v0.37.x), ocilayout/ (writes an OCI image-layout tar) and images/ (each
# image's runtime config and extra files, as data).
#
# The bundle lives in $LAB_CACHE/kubernetes/<key>, key = hash of toolchain/kubernetes/,
# this script and the Go version. It is built in a temporary directory next to it and
# renamed into place only when complete and checked, so a directory that exists is whole:
#   bin/       kubelet kube-apiserver kube-controller-manager kube-scheduler kube-proxy
#              kubectl kubeadm etcd etcdctl containerd containerd-shim-runc-v2 ctr runc crictl
#   cni/       bridge host-local loopback portmap bandwidth firewall
#   images/    pause.tar busybox.tar (OCI image layouts; `ctr -n k8s.io images import`)
#   versions.env  SHA256SUMS
# Go binaries are static (CGO_ENABLED=0) and stripped; runc is cgo, statically linked
# with libseccomp. Go's module and build caches are the lab's ($LAB_CACHE/go, common.sh).
set -euo pipefail
. "$(dirname "$0")/lib/common.sh"
. "$LAB_ROOT/scripts/lib/toolchain.sh"

SRC="$LAB_ROOT/toolchain/kubernetes"
# shellcheck source=../toolchain/kubernetes/versions.env
. "$SRC/versions.env"
# Builds read go.mod and go.sum as they are: a missing entry is an error, never an edit of
# files that are part of the bundle's key.
export GOFLAGS=-mod=readonly

BINARIES=(kubelet kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubectl kubeadm
  etcd etcdctl containerd containerd-shim-runc-v2 ctr runc crictl)

k8s_key() {
  local go_version
  go_version="$(go env GOVERSION)" || lab_die "go is not on PATH"
  echo "$(tc_hash_files toolchain/kubernetes scripts/kubernetes.sh)-$(printf '%s' "$go_version" | sha256sum | cut -c1-8)"
}

k8s_dir() { echo "$LAB_CACHE/kubernetes/$(k8s_key)"; }

# go_in DIR ARGS...: go with the module in toolchain/kubernetes/DIR.
go_in() { local dir="$1"; shift; (cd "$SRC/$dir" && go "$@"); }

# The module's required version must be the one versions.env pins.
check_pin() {
  local dir="$1" module="$2" want="$3" got
  got="$(go_in "$dir" list -m -f '{{.Version}}' "$module")"
  [ "$got" = "$want" ] || lab_die "toolchain/kubernetes/$dir requires $module $got, versions.env says $want"
}

build_kubernetes() {
  local out="$1" date pkg="k8s.io/component-base/version" cgo="k8s.io/client-go/pkg/version"
  local v="${KUBERNETES_VERSION#v}" x=() key val
  date="$(go_in kubernetes list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)"
  # What hack/lib/version.sh stamps; without it the binaries say v0.0.0-master and kubeadm's
  # version checks fail. The tree state of a source archive is "archive" there too; the
  # module zip names no commit (empty rather than the unexpanded "$Format:%H$"), and the
  # build date is the release's, so the binaries are reproducible.
  for key in gitVersion=v"$v" gitMajor="${v%%.*}" gitMinor="$(cut -d. -f2 <<<"$v")" \
             gitCommit= gitTreeState=archive buildDate="$date"; do
    val="${key#*=}"; key="${key%%=*}"
    x+=("-X" "$pkg.$key=$val" "-X" "$cgo.$key=$val")
  done
  lab_log "kubernetes $KUBERNETES_VERSION (cold: the longest step)"
  # hack/lib/golang.sh's release flags: static, trimmed, stripped, these tags.
  go_in kubernetes build -trimpath -tags selinux,notest,grpcnotrace \
    -ldflags "-s -w ${x[*]}" -o "$out/" tool
}

build_etcd() {
  local out="$1"
  lab_log "etcd $ETCD_VERSION"
  go_in etcd build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3
  go_in etcd build -trimpath -ldflags "-s -w" -o "$out/etcdctl" go.etcd.io/etcd/etcdctl/v3
}

build_containerd() {
  local out="$1" pkg=github.com/containerd/containerd/v2/version
  lab_log "containerd $CONTAINERD_VERSION"
  # The Makefile's STATIC=1 tags; without cgo the btrfs snapshotter drops out anyway.
  go_in containerd build -trimpath -tags "urfave_cli_no_docs osusergo netgo static_build no_btrfs" \
    -ldflags "-s -w -X $pkg.Version=$CONTAINERD_VERSION -X $pkg.Package=github.com/containerd/containerd" \
    -o "$out/" tool
}

build_runc() {
  local out="$1"
  lab_log "runc $RUNC_VERSION (cgo, static libseccomp)"
  [ -f /usr/lib/x86_64-linux-gnu/libseccomp.a ] || lab_die "libseccomp.a is missing: apt-get install libseccomp-dev (make setup)"
  # The Makefile's `static` target without libpathrs (a Rust library Debian 12 lacks);
  # runc embeds its VERSION file itself.
  CGO_ENABLED=1 go_in runc build -trimpath -buildmode=pie -tags "seccomp urfave_cli_no_docs netgo osusergo" \
    -ldflags "-s -w -linkmode external -extldflags -static-pie" -o "$out/runc" github.com/opencontainers/runc
}

build_crictl() {
  local out="$1"
  lab_log "crictl $CRI_TOOLS_VERSION"
  go_in cri-tools build -trimpath \
    -ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$CRI_TOOLS_VERSION" -o "$out/" tool
}

build_cni() {
  local out="$1"
  lab_log "CNI plugins $CNI_PLUGINS_VERSION"
  go_in cni-plugins build -trimpath \
    -ldflags "-s -w -X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=$CNI_PLUGINS_VERSION" \
    -o "$out/" tool
}

# pause_binary OUT: Kubernetes' own pause, compiled as build/pause/Makefile does.
build_pause() {
  local out="$1" src
  go_in kubernetes mod download k8s.io/kubernetes
  src="$(go_in kubernetes list -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause/linux/pause.c"
  gcc -Os -Wall -Werror -static -DVERSION="v${PAUSE_IMAGE##*:}-k8s-$KUBERNETES_VERSION" -o "$out" "$src"
  strip "$out"
}

# busybox_binary OUT: /bin/busybox of the pinned busybox-static package, the .deb kept in
# the cache (an apt mirror drops old versions once a newer one is published).
build_busybox() {
  local out="$1" debs="$LAB_CACHE/kubernetes/downloads" deb tmp
  deb="$debs/busybox-static_${BUSYBOX_DEB_VERSION#*:}_amd64.deb"
  if [ ! -f "$deb" ]; then
    mkdir -p "$debs"
    tmp="$(mktemp -d "$debs/.apt.XXXXXX")"
    (cd "$tmp" && apt-get download -q "busybox-static=$BUSYBOX_DEB_VERSION" >&2) \
      || lab_die "apt-get download busybox-static=$BUSYBOX_DEB_VERSION failed: run apt-get update; if the mirror no longer has that version, pin the one 'apt-cache policy busybox-static' shows in toolchain/kubernetes/versions.env"
    mv "$tmp"/busybox-static_*.deb "$deb"
    rm -rf "$tmp"
  fi
  tmp="$(mktemp -d)"
  dpkg-deb -x "$deb" "$tmp"
  cp -p "$tmp/bin/busybox" "$out"
  rm -rf "$tmp"
}

# image NAME REF ROOTFS CREATED OUT: write the OCI layout tar with images/NAME/config.json.
write_image() {
  local name="$1" ref="$2" rootfs="$3" created="$4" out="$5" tool="$6"
  lab_log "image $ref: $("$tool" -rootfs "$rootfs" -config "$SRC/images/$name/config.json" \
    -ref "$ref" -created "$created" -o "$out")"
}

build_images() {
  local out="$1" work="$2" tool="$2/ocilayout" rootfs created applet
  go_in ocilayout build -trimpath -o "$tool" .

  rootfs="$work/pause"
  mkdir -p "$rootfs"
  build_pause "$rootfs/pause"
  created="$(go_in kubernetes list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)"
  write_image pause "$PAUSE_IMAGE" "$rootfs" "$created" "$out/pause.tar" "$tool"

  rootfs="$work/busybox"
  cp -r "$SRC/images/busybox/rootfs" "$rootfs"
  mkdir -p "$rootfs/bin"
  build_busybox "$rootfs/bin/busybox"
  for applet in $("$rootfs/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"
  done
  install -d -m 1777 "$rootfs/tmp"
  install -d -m 0700 "$rootfs/root"
  chmod -R u+rwX,go+rX,go-w "$rootfs/etc"
  created="$(date -u -r "$rootfs/bin/busybox" +%Y-%m-%dT%H:%M:%SZ)"
  write_image busybox "$BUSYBOX_IMAGE" "$rootfs" "$created" "$out/busybox.tar" "$tool"
}

# Every binary runs and says the pinned version.
check_versions() {
  local dir="$1"
  expect() {
    local want="$1" got; shift
    got="$("$@" 2>&1)" || lab_die "$* failed: $got"
    grep -qF -- "$want" <<<"$got" || lab_die "$* says '$got', expected $want"
    lab_log "$(basename "$1"): $(head -n1 <<<"$got")"
  }
  local b
  for b in kubelet kube-apiserver kube-controller-manager kube-scheduler kube-proxy; do
    expect "Kubernetes $KUBERNETES_VERSION" "$dir/bin/$b" --version
  done
  expect "GitVersion:\"$KUBERNETES_VERSION\"" "$dir/bin/kubeadm" version
  expect "Client Version: $KUBERNETES_VERSION" "$dir/bin/kubectl" version --client
  expect "etcd Version: ${ETCD_VERSION#v}" "$dir/bin/etcd" --version
  expect "etcdctl version: ${ETCD_VERSION#v}" "$dir/bin/etcdctl" version
  expect "$CONTAINERD_VERSION" "$dir/bin/containerd" --version
  expect "$CONTAINERD_VERSION" "$dir/bin/ctr" --version
  expect "$CONTAINERD_VERSION" "$dir/bin/containerd-shim-runc-v2" -v
  expect "runc version ${RUNC_VERSION#v}" "$dir/bin/runc" --version
  expect "$CRI_TOOLS_VERSION" "$dir/bin/crictl" --version
  # A CNI plugin run without CNI_COMMAND prints its name and version.
  unset CNI_COMMAND
  for b in "$dir"/cni/*; do
    expect "CNI $(basename "$b") plugin $CNI_PLUGINS_VERSION" "$b" </dev/null
  done
  for b in "${BINARIES[@]}"; do [ -x "$dir/bin/$b" ] || lab_die "bin/$b is missing"; done
}

cmd_build() {
  local dir; dir="$(k8s_dir)"
  if [ -d "$dir" ]; then echo "$dir"; return 0; fi
  mkdir -p "$LAB_CACHE/kubernetes"
  # One build at a time; a second caller waits and then finds the bundle there.
  exec 9>"$LAB_CACHE/kubernetes/.lock"
  flock 9
  if [ -d "$dir" ]; then echo "$dir"; return 0; fi

  local t0 tmp; t0=$(date +%s)
  tmp="$(mktemp -d "$LAB_CACHE/kubernetes/.build.XXXXXX")"
  # shellcheck disable=SC2064 # the directory is fixed now
  trap "rm -rf '$tmp'" EXIT
  lab_log "building the Kubernetes bundle into $dir (cold: about 10-15 minutes on 2 cores)"
  check_pin kubernetes k8s.io/kubernetes "$KUBERNETES_VERSION"
  check_pin etcd go.etcd.io/etcd/server/v3 "$ETCD_VERSION"
  check_pin etcd go.etcd.io/etcd/etcdctl/v3 "$ETCD_VERSION"
  check_pin containerd github.com/containerd/containerd/v2 "$CONTAINERD_VERSION"
  check_pin runc github.com/opencontainers/runc "$RUNC_VERSION"
  check_pin cri-tools sigs.k8s.io/cri-tools "$CRI_TOOLS_VERSION"
  check_pin cni-plugins github.com/containernetworking/plugins "$CNI_PLUGINS_VERSION"

  local out="$tmp/bundle"
  mkdir -p "$out/bin" "$out/cni" "$out/images" "$tmp/work"
  export CGO_ENABLED=0
  build_images "$out/images" "$tmp/work"
  build_cni "$out/cni"
  build_runc "$out/bin"
  build_crictl "$out/bin"
  build_containerd "$out/bin"
  build_etcd "$out/bin"
  build_kubernetes "$out/bin"
  cp "$SRC/versions.env" "$out/versions.env"
  check_versions "$out"
  (cd "$out" && find . -type f ! -name SHA256SUMS -printf '%P\n' | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
  chmod -R a+rX,go-w "$out"

  mv "$out" "$dir"
  lab_log "Kubernetes bundle built in $(( $(date +%s) - t0 ))s: $(du -sh "$dir" | cut -f1) in $dir"
  echo "$dir"
}

cmd_path() {
  local dir; dir="$(k8s_dir)"
  [ -d "$dir" ] || lab_die "the Kubernetes bundle for these inputs is not built ($dir): run 'make kubernetes' (it needs the Go module proxy and apt, so outside any lab network namespace)"
  echo "$dir"
}

# A containerd of the bundle's own, in a scratch directory, for as long as the check runs.
# Everything it makes is under a scratch directory, except what the shim and ctr always
# use: /run/containerd/{s,fifo,...} (removed again when the check created it and it is
# empty) and the container's cgroup (runc removes it with the container).
CHECK_DIR="" CHECK_PID="" CHECK_RUN_DIR=""
check_cleanup() {
  if [ -n "$CHECK_PID" ]; then kill "$CHECK_PID" 2>/dev/null || true; wait "$CHECK_PID" 2>/dev/null || true; fi
  [ -n "$CHECK_DIR" ] || return 0
  # A failed run can leave a container's rootfs or a shim's mount behind.
  findmnt -rn -o TARGET | grep "^$CHECK_DIR/" | sort -r | xargs -r umount -l 2>/dev/null || true
  rm -rf "$CHECK_DIR"
  [ -z "$CHECK_RUN_DIR" ] || find "$CHECK_RUN_DIR" -depth -type d -empty -delete 2>/dev/null || true
}

cmd_check() {
  local dir; dir="$(cmd_path)"
  [ "$(id -u)" -eq 0 ] || lab_die "check runs containerd and runc: run it as root"
  [ -e /run/containerd ] || CHECK_RUN_DIR=/run/containerd
  CHECK_DIR="$(mktemp -d /tmp/clusteros-k8s-check.XXXXXX)"
  trap check_cleanup EXIT
  local t="$CHECK_DIR"
  # Only what import and run need: no CRI, no NRI socket or /opt plugin outside the scratch dir.
  cat > "$t/config.toml" <<EOF
version = 3
root = "$t/root"
state = "$t/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.cri.v1.images", "io.containerd.cri.v1.runtime",
  "io.containerd.nri.v1.nri", "io.containerd.internal.v1.opt"]
[grpc]
  address = "$t/containerd.sock"
EOF
  PATH="$dir/bin:$PATH" "$dir/bin/containerd" --config "$t/config.toml" >"$t/containerd.log" 2>&1 &
  CHECK_PID=$!
  local ctr=("$dir/bin/ctr" --address "$t/containerd.sock" -n k8s.io)
  for _ in $(seq 50); do "${ctr[@]}" version >/dev/null 2>&1 && break; sleep 0.2; done
  "${ctr[@]}" version >/dev/null || { cat "$t/containerd.log" >&2; lab_die "containerd did not start"; }
  "${ctr[@]}" images import "$dir/images/pause.tar" >&2
  "${ctr[@]}" images import "$dir/images/busybox.tar" >&2
  "${ctr[@]}" images ls >&2
  local ref
  for ref in "$PAUSE_IMAGE" "$BUSYBOX_IMAGE"; do
    "${ctr[@]}" images ls -q | grep -qxF "$ref" || lab_die "$ref is not among the imported images"
  done
  local said
  said="$("${ctr[@]}" run --rm --net-host --runc-binary "$dir/bin/runc" --runc-root "$t/runc" \
    --fifo-dir "$t/fifo" --cgroup "/clusteros-k8s-check-$$" "$BUSYBOX_IMAGE" clusteros-k8s-check busybox echo ok)"
  [ "$said" = ok ] || lab_die "busybox in $BUSYBOX_IMAGE said '$said', expected ok"
  lab_log "both images import under their refs; busybox ran with the bundle's runc and said $said"
}

case "${1:-}" in
  build) cmd_build ;;
  path) cmd_path ;;
  check) cmd_check ;;
  *) echo "usage: $0 build|path|check" >&2; exit 2 ;;
esac
