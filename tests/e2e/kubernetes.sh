# shellcheck shell=bash
# Kubernetes on the cluster, in the stack's distribution (config key kubernetes): what the
# seed promises, checked from outside: every node Ready, a Deployment with a pod on every
# node, pod-to-pod traffic across nodes (over the WireGuard mesh), a ClusterIP Service
# reached from another node's pod, a DaemonSet, a StatefulSet's stable pod name, and kubelet
# logs free of /dev/kmsg and cgroup errors. E2E_KUBERNETES=upstream or k3s gives the test
# stack that distribution (the ci stack's is off; K3s's image fetches K3s: internet).
# Expects on, check, record, until_ok from lib.sh and STACK from e2e.sh.

KUBE_DISTRIBUTION=""
KUBECTL=""
TEST_IMAGE=""

# kube "ARGS": kubectl as cluster admin on the Kubernetes server node (node 1).
kube() { on 1 "sudo $KUBECTL $1"; }

# kubernetes_prepare: which distribution runs, and whether this image can run it. Returns 1
# (after recording why) when the checks cannot run here.
kubernetes_prepare() {
  KUBE_DISTRIBUTION="$(kubernetes_of "$STACK")"
  case "$KUBE_DISTRIBUTION" in
    off) record SKIP "Kubernetes: off in this stack (config key kubernetes)"; return 1 ;;
    k3s)
      KUBECTL="k3s kubectl"
      TEST_IMAGE="${E2E_TEST_IMAGE:-docker.io/library/busybox:1.36}"
      on 1 test -x /usr/local/bin/k3s || {
        record SKIP "K3s: the image has no K3s binary: $(on 1 cat /etc/clusteros/k3s-missing 2>&1)"
        return 1
      } ;;
    upstream)
      KUBECTL="kubectl --kubeconfig /etc/kubernetes/admin.conf"
      TEST_IMAGE="$(on 1 ". /usr/local/share/clusteros/kubernetes/versions.env && echo \$BUSYBOX_IMAGE")" ;;
  esac
}

kube_nodes_ready() {
  local want="$1" out
  out="$(kube "get nodes --no-headers")" || return 1
  [ "$(awk '$2 == "Ready"' <<<"$out" | wc -l)" -eq "$want" ] && [ "$(wc -l <<<"$out")" -eq "$want" ]
}

# kubernetes_ready_checks N: every node is a Ready Kubernetes node (part of cluster_checks).
kubernetes_ready_checks() {
  local count="$1"
  kubernetes_prepare || return 0
  check "Kubernetes ($KUBE_DISTRIBUTION): all $count nodes Ready" until_ok 600 kube_nodes_ready "$count" \
    || { kube "get nodes -o wide"; on 1 cat /etc/clusteros/kubernetes-status; } || true
}

# "node pod-ip pod-name" of the pods labelled app=$1, one per line.
kube_pods() {
  kube "get pods -l app=$1 -o jsonpath='{range .items[*]}{.spec.nodeName} {.status.podIP} {.metadata.name} {.status.phase}{\"\\n\"}{end}'"
}

kube_rollout() { kube "rollout status $1 --timeout=20s" >/dev/null 2>&1; }

# kube_fetch CLIENT_POD URL: what busybox wget gets from URL, inside CLIENT_POD.
kube_fetch() { kube "exec $1 -- wget -q -T 10 -O - $2"; }

kubernetes_checks() {
  local count="$1" pods clients echo_ip ip name node client want got i
  kubernetes_prepare || return 0
  sed -e "s|@TEST_IMAGE@|$TEST_IMAGE|g" -e "s|@NODES@|$count|g" tests/e2e/fixtures/kubernetes/workloads.yaml \
    | on 1 "sudo $KUBECTL apply -f -" >/dev/null
  check "Kubernetes: the Deployment's $count pods run" until_ok 600 kube_rollout deployment/echo \
    || kube "get pods -o wide" || true
  check "Kubernetes: the DaemonSet has a ready pod on each of the $count nodes" until_ok 300 kube_rollout daemonset/client \
    || kube "describe daemonset client" || true
  pods="$(kube_pods echo)"
  check "Kubernetes: the Deployment's pods are on $count different nodes" \
    test "$(awk '{print $1}' <<<"$pods" | sort -u | grep -c .)" -eq "$count" || echo "$pods"
  clients="$(kube_pods client)"
  check "Kubernetes: the DaemonSet's pods are on $count different nodes" \
    test "$(awk '$4 == "Running" {print $1}' <<<"$clients" | sort -u | grep -c .)" -eq "$count" || echo "$clients"

  # Pod to pod across nodes: node i's client fetches from the echo pod on node i+1.
  for i in $(seq 1 "$count"); do
    client="$(awk -v n="cluster-node-$i" '$1 == n {print $3}' <<<"$clients")"
    node="cluster-node-$(( i % count + 1 ))"
    read -r _ ip name _ < <(awk -v n="$node" '$1 == n' <<<"$pods")
    got="$(kube_fetch "$client" "http://$ip:8080/" 2>&1)"
    check "Kubernetes: a pod on cluster-node-$i reaches the pod on $node ($ip) across the mesh" test "$got" = "$name" \
      || echo "got: $got"
  done

  # A ClusterIP Service from another node's pod: the answer is one of the Service's pods.
  echo_ip="$(kube "get service echo -o jsonpath='{.spec.clusterIP}'")"
  client="$(awk '$1 == "cluster-node-2" {print $3}' <<<"$clients")"
  got="$(kube_fetch "$client" "http://$echo_ip/" 2>&1)"
  check "Kubernetes: a pod on cluster-node-2 reaches the ClusterIP Service echo ($echo_ip)" \
    grep -qx "$got" <<<"$(awk '{print $3}' <<<"$pods")" || echo "got: $got"

  # The StatefulSet's pod comes back under the same name after it is deleted.
  check "Kubernetes: the StatefulSet's pod web-0 runs" until_ok 300 kube_rollout statefulset/web || kube "get pods -o wide" || true
  want="$(kube "get pod web-0 -o jsonpath='{.metadata.uid}'")"
  kube "delete pod web-0 --wait=true" >/dev/null
  check "Kubernetes: after deletion the StatefulSet's pod is back as web-0 (a new pod, the same name)" \
    until_ok 300 kube_pod_replaced web-0 "$want"

  for i in $(seq 1 "$count"); do
    check "Kubernetes: kubelet on node $i logs no /dev/kmsg or cgroup error" kubelet_log_clean "$i"
  done
  # The workloads go: the rest of the test should not pay for them under TCG.
  kube "delete deployment/echo daemonset/client statefulset/web service/echo service/web --wait=false" >/dev/null 2>&1 || true
}

kube_pod_replaced() { # NAME OLD_UID: the pod NAME is Running with another uid
  local out; out="$(kube "get pod $1 -o jsonpath='{.metadata.uid} {.status.phase}'" 2>/dev/null)" || return 1
  [ "${out% *}" != "$2" ] && [ "${out#* }" = Running ]
}

kubelet_log_clean() {
  local units="-u kubelet"
  [ "$KUBE_DISTRIBUTION" = k3s ] && units="-u k3s -u k3s-agent"
  local bad
  bad="$(on "$1" "sudo journalctl $units --no-pager -o cat" | grep -Ei 'kmsg|cgroup' | grep -Ei '(^E[0-9]{4} |error|fail)')"
  [ -z "$bad" ] || { echo "node $1: $(head -5 <<<"$bad")"; return 1; }
}
