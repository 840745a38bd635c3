// The configuration's value types and limits: a leaf module, so that the planning modules
// that use them (firmware, bare metal, addressing) need not import the schema, which uses them.
export type DomainType = "kvm" | "qemu";
export type Firmware = "bios" | "uefi";
export type ImageFlavor = "ubuntu-24.04" | "debian-12";
export type NodeAgentDelivery = "image" | "live";
/** Who forms the cluster: the stack itself (keys, roles, peers over SSH), or the node agent from its identity. */
export type MembershipMode = "lab" | "agent";
/** Which Kubernetes the cluster runs: K3s (fetched when the image is built), upstream (built offline by `make kubernetes`), or none. */
export type KubernetesDistribution = "k3s" | "upstream" | "off";
/** Each host's libvirt network: NATed, routed, or auto (NAT on one host, routed with several). */
export type NetworkModeSetting = "auto" | "nat" | "route";
export type ImageSource = { kind: "build"; flavor: ImageFlavor } | { kind: "prebuilt"; path: string };

export const IMAGE_FLAVORS: readonly ImageFlavor[] = ["ubuntu-24.04", "debian-12"];
export const DEFAULT_FLAVOR: ImageFlavor = "ubuntu-24.04";
export const MAX_NODES = 64;
/** Below this a Debian/Ubuntu guest with systemd, munge and slurmd does not boot reliably. */
export const MIN_MEMORY_MIB = 512;
/**
 * Memory the node running the Kubernetes server needs, per distribution, measured under TCG
 * (docs/VM_TESTING.md, "Testing Kubernetes"): upstream runs etcd, kube-apiserver, the
 * controller manager and the scheduler beside kubelet, containerd and SLURM.
 */
export const KUBERNETES_SERVER_MIN_MIB: Record<Exclude<KubernetesDistribution, "off">, number> = { k3s: 1024, upstream: 2048 };
/** Each node's pods get one /24 of podCidr: node N the N-th. */
export const POD_SUBNET_PREFIX = 24;
/** The node images are 3 GiB filesystems; a node disk must hold them. */
export const MIN_DISK_GIB = 4;
