// Kubernetes on the cluster, one role in the plan for both distributions: the server node
// and the agents, node IPs on the WireGuard mesh, each node's pod subnet (routed over the
// mesh, see membership.ts), the service range and the join token. What differs per
// distribution is only the files a node gets at first boot. Pure.
import { NodePlan } from "./addressing";
import { ClusterConfig } from "./config";
import { render, template, toYaml } from "./templates";

/** A file cloud-init writes; `text` may hold secrets (the caller keeps the documents secret). */
export interface KubernetesFile {
    path: string;
    permissions: string;
    text: string;
}

export interface KubernetesSecrets {
    /** 32 random bytes, hex: K3s's token as it is, upstream's bootstrap token cut from it. */
    token: string;
    /** The cluster CA (upstream): kubeadm signs every other certificate with it on the server. */
    ca?: { certPem: string; keyPem: string };
}

export type KubernetesConfig = Pick<ClusterConfig, "kubernetes" | "podCidr" | "serviceCidr">;

export const API_PORT = 6443;
/** The upstream CA and the kubeconfigs kubeadm writes on the server. */
export const PKI_DIR = "/etc/kubernetes/pki";
const ADMIN_KUBECONFIG = "/etc/kubernetes/admin.conf";
const K3S_KUBECONFIG = "/etc/rancher/k3s/k3s.yaml";

/**
 * A bootstrap token ("abcdef.0123456789abcdef", the format kube-apiserver accepts) cut from
 * the cluster's random hex token, so both distributions share one secret.
 */
export function bootstrapToken(hex: string): { id: string; secret: string; token: string } {
    if (!/^[0-9a-f]{22,}$/.test(hex)) throw new Error("the Kubernetes token must be at least 22 lower-case hex digits");
    const id = hex.slice(0, 6);
    const secret = hex.slice(6, 22);
    return { id, secret, token: `${id}.${secret}` };
}

/** K3s's own config.yaml: node IPs on WireGuard, the cluster's pod and service ranges. */
export function k3sConfig(node: NodePlan, server: NodePlan, cfg: KubernetesConfig, token: string): object {
    return {
        ...(node.kubernetesServer
            ? {
                "write-kubeconfig-mode": "0600", "tls-san": [node.ip, node.wireguardIp],
                "cluster-cidr": cfg.podCidr.text, "service-cidr": cfg.serviceCidr.text,
            }
            : { server: `https://${server.wireguardIp}:${API_PORT}` }),
        token,
        "node-ip": node.wireguardIp,
        "node-external-ip": node.ip,
        "flannel-iface": "wg0",
    };
}

/**
 * The command (for a shell on the host) that prints the cluster admin's kubeconfig with the
 * server node's lab address, which both distributions' API server certificates carry: the
 * file on the server names the mesh address (upstream) or loopback (K3s), which kubectl on
 * the host cannot reach. `ssh` is how the host reaches the server node (access.ts).
 */
export function kubeconfigCommand(ssh: string, server: NodePlan, distribution: "k3s" | "upstream"): string {
    const file = distribution === "k3s" ? K3S_KUBECONFIG : ADMIN_KUBECONFIG;
    return `${ssh} "sudo sed 's|server: https://.*|server: https://${server.ip}:${API_PORT}|' ${file}"`;
}

/** A kubeconfig that reaches the API server on the server node's mesh address. */
function kubeconfig(server: NodePlan, user: string, credentials: object): object {
    return {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "clusteros", cluster: { server: `https://${server.wireguardIp}:${API_PORT}`, "certificate-authority": `${PKI_DIR}/ca.crt` } }],
        users: [{ name: user, user: credentials }],
        contexts: [{ name: user, context: { cluster: "clusteros", user } }],
        "current-context": user,
    };
}

/** kubeadm's configuration on the server: it makes the PKI and kubeconfigs from it, offline. */
function kubeadmConfig(node: NodePlan, cfg: KubernetesConfig, version: string): object[] {
    return [
        {
            apiVersion: "kubeadm.k8s.io/v1beta4",
            kind: "InitConfiguration",
            localAPIEndpoint: { advertiseAddress: node.wireguardIp, bindPort: API_PORT },
            nodeRegistration: { name: node.hostname },
        },
        {
            apiVersion: "kubeadm.k8s.io/v1beta4",
            kind: "ClusterConfiguration",
            kubernetesVersion: version,
            clusterName: "clusteros",
            // ECDSA: a TLS handshake's signature costs a fraction of RSA-2048's, which under
            // TCG decides whether the control plane's connections time out while it starts.
            encryptionAlgorithm: "ECDSA-P256",
            controlPlaneEndpoint: `${node.wireguardIp}:${API_PORT}`,
            networking: { podSubnet: cfg.podCidr.text, serviceSubnet: cfg.serviceCidr.text, dnsDomain: "cluster.local" },
            apiServer: { certSANs: [node.ip, node.wireguardIp, node.hostname, node.fqdn, "127.0.0.1"] },
        },
    ];
}

/** The bootstrap token as the Secret the API server authenticates joining kubelets with. */
function bootstrapTokenSecret(token: string): object {
    const t = bootstrapToken(token);
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: `bootstrap-token-${t.id}`, namespace: "kube-system" },
        type: "bootstrap.kubernetes.io/token",
        stringData: {
            description: "ClusterOS Lab: kubelets of the cluster's nodes join with it (TLS bootstrap)",
            "token-id": t.id,
            "token-secret": t.secret,
            "usage-bootstrap-authentication": "true",
            "usage-bootstrap-signing": "true",
        },
    };
}

/** The node's pod network: a bridge on its own /24; other nodes' subnets are routed over wg0. */
function cniConfig(node: NodePlan): object {
    return {
        cniVersion: "1.0.0",
        name: "clusteros",
        plugins: [
            {
                type: "bridge", bridge: "cni0", isGateway: true, ipMasq: false, hairpinMode: true,
                ipam: { type: "host-local", ranges: [[{ subnet: node.podSubnet }]], routes: [{ dst: "0.0.0.0/0" }] },
            },
            { type: "portmap", capabilities: { portMappings: true } },
        ],
    };
}

/** What both distributions' start scripts read: the node's role and addresses. */
function environment(node: NodePlan, server: NodePlan, cfg: KubernetesConfig): string {
    return render("files/kubernetes.env.mustache", {
        hostname: node.hostname,
        distribution: cfg.kubernetes,
        role: node.kubernetesServer ? "server" : "agent",
        nodeIp: node.wireguardIp,
        serverIp: server.wireguardIp,
        podCidr: cfg.podCidr.text,
        podSubnet: node.podSubnet,
        serviceCidr: cfg.serviceCidr.text,
    });
}

/**
 * The files a node gets at first boot for its Kubernetes role, and the command that starts
 * it. `upstreamVersion` is the bundle's Kubernetes version (toolchain/kubernetes/versions.env).
 */
export function kubernetesFiles(
    node: NodePlan, server: NodePlan, cfg: KubernetesConfig, secrets: KubernetesSecrets, upstreamVersion: string,
): { files: KubernetesFile[]; start: string } | undefined {
    if (cfg.kubernetes === "off") return undefined;
    const env: KubernetesFile = { path: "/etc/clusteros/kubernetes.env", permissions: "0644", text: environment(node, server, cfg) };
    if (cfg.kubernetes === "k3s") {
        const role = { hostname: node.hostname, role: node.kubernetesServer ? "server" : "agent" };
        return {
            files: [
                env,
                { path: "/etc/rancher/k3s/config.yaml", permissions: "0600",
                  text: toYaml(k3sConfig(node, server, cfg, secrets.token), `K3s ${role.role} configuration of ${node.hostname}.`) },
                { path: "/etc/clusteros/k3s.service", permissions: "0644", text: render("files/k3s.service.mustache", role) },
                { path: "/usr/local/sbin/clusteros-k3s-start", permissions: "0755", text: template("files/k3s-start.sh") },
            ],
            start: "/usr/local/sbin/clusteros-k3s-start",
        };
    }
    if (!secrets.ca) throw new Error("upstream Kubernetes needs the cluster CA");
    const token = bootstrapToken(secrets.token).token;
    return {
        files: [
            env,
            { path: `${PKI_DIR}/ca.crt`, permissions: "0644", text: secrets.ca.certPem },
            { path: "/etc/kubernetes/bootstrap-kubelet.conf", permissions: "0600",
              text: toYaml(kubeconfig(server, "kubelet-bootstrap", { token }), `kubelet of ${node.hostname} joins with the bootstrap token.`) },
            { path: "/etc/cni/net.d/10-clusteros.conflist", permissions: "0644", text: `${JSON.stringify(cniConfig(node), null, 2)}\n` },
            ...(node.kubernetesServer ? [
                { path: `${PKI_DIR}/ca.key`, permissions: "0600", text: secrets.ca.keyPem },
                { path: "/etc/kubernetes/kubeadm.yaml", permissions: "0644",
                  text: kubeadmConfig(node, cfg, upstreamVersion).map((d) => toYaml(d)).join("---\n") },
                { path: "/etc/kubernetes/bootstrap-token.yaml", permissions: "0600",
                  text: toYaml(bootstrapTokenSecret(secrets.token), "The kubelets' join token, applied once the API server runs.") },
            ] : []),
        ],
        // Started without waiting: the control plane takes minutes under TCG, and cloud-init's
        // end is what the membership step waits for.
        start: "systemctl start --no-block clusteros-kubernetes.service",
    };
}
