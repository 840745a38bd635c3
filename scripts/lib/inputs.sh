# shellcheck shell=bash
# What a stack's image is built from, built or found in the cache first, outside any
# namespace: the Debian base (it needs apt) and, with kubernetes=upstream, the Kubernetes
# bundle (it needs the Go module proxy), and the node agent built from nodeAgentSource (it may
# need the proxy too). Sourced by scripts/up.sh and scripts/image.sh.
# shellcheck source=progress.sh
. "$LAB_ROOT/scripts/lib/progress.sh"
lab_image_inputs() {
  local stack="$1" flavor image_path extra
  flavor="$(pulumi config get imageFlavor --stack "$stack" 2>/dev/null || true)"
  image_path="$(pulumi config get imagePath --stack "$stack" 2>/dev/null || true)"
  # imageExtraPackages go into the Debian base, sorted and once each as the image's recipe has them.
  extra="$(pulumi config get imageExtraPackages --stack "$stack" 2>/dev/null | jq -r 'unique | join(",")' 2>/dev/null || true)"
  case "$flavor" in
    debian-12) lab_progress "the Debian base (mmdebstrap)" debian-base "$LAB_ROOT"/images/debian/build-base.sh ${extra:+--extra-packages "$extra"} >/dev/null ;;
    ubuntu-24.04|"") [ -n "$image_path" ] || "$LAB_ROOT"/images/ubuntu/fetch.sh >/dev/null ;;
  esac
  # nodeAgentSource: the agent built from its Go source (the Go module proxy may be needed).
  local agent_source
  agent_source="$(pulumi config get nodeAgentSource --stack "$stack" 2>/dev/null || true)"
  if [ -n "$agent_source" ]; then
    "${LAB_TS[@]}" "$LAB_ROOT/scripts/build-agent.ts" "$agent_source" >/dev/null || lab_die "the node agent (nodeAgentSource) did not build: see above"
  fi
  if [ "$(pulumi config get kubernetes --stack "$stack" 2>/dev/null || true)" = upstream ]; then
    lab_progress "the Kubernetes bundle (Go builds)" kubernetes-bundle "$LAB_ROOT"/scripts/kubernetes.sh build >/dev/null
  fi
}
