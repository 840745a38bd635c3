#!/usr/bin/env bash
# Upstream Kubernetes (kubernetes=upstream), from the bundle `make kubernetes` built offline
# (scripts/kubernetes.sh): binaries, CNI plugins, the units (images/common/kubernetes), and
# the pause and test images imported into containerd, so a node never pulls anything.
# Nothing is enabled here: clusteros-kubernetes-start enables each node's units for its role.
. /tmp/clusteros-payload/lib.sh
bundle="$PAYLOAD/kubernetes-bundle"
if [ ! -d "$bundle" ]; then say "upstream Kubernetes not in this image"; exit 0; fi
(cd "$bundle" && sha256sum --quiet -c SHA256SUMS)
install -m 0755 "$bundle"/bin/* /usr/local/bin/
install -d /opt/cni/bin /etc/cni/net.d /etc/containerd /etc/kubernetes/pki /var/lib/kubelet /usr/local/share/clusteros/kubernetes
install -m 0755 "$bundle"/cni/* /opt/cni/bin/
k="$PAYLOAD/kubernetes"
for unit in containerd kubelet kube-proxy etcd kube-apiserver kube-controller-manager kube-scheduler clusteros-kubernetes; do
  install -m 0644 "$k/$unit.service" /etc/systemd/system/
done
install -m 0644 "$k/containerd.toml" /etc/containerd/config.toml
install -m 0644 "$k/kubelet-config.yaml" /etc/kubernetes/kubelet-config.yaml
install -m 0644 "$k/crictl.yaml" /etc/crictl.yaml
install -m 0644 "$k/bootstrap-rbac.yaml" /usr/local/share/clusteros/kubernetes/
install -m 0755 "$k/clusteros-kubernetes-start" /usr/local/sbin/
install -m 0644 "$k/modules.conf" /etc/modules-load.d/kubernetes.conf
install -m 0644 "$k/sysctl.conf" /etc/sysctl.d/90-kubernetes.conf
install -m 0644 "$bundle/versions.env" /usr/local/share/clusteros/kubernetes/versions.env

# Images into containerd's store now: no registry is reachable from a lab node.
modprobe overlay
/usr/local/bin/containerd >/tmp/containerd.log 2>&1 &
pid=$!
for _ in $(seq 120); do [ -S /run/containerd/containerd.sock ] && break; sleep 1; done
for image in "$bundle"/images/*.tar; do ctr -n k8s.io images import "$image"; done
images="$(ctr -n k8s.io images ls -q | paste -sd ' ')"
kill "$pid"; wait "$pid" || true
say "upstream $(kubelet --version) installed; images in containerd: $images"
