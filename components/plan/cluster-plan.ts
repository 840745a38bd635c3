// The whole cluster as data: planCluster turns a validated config into every name, address,
// document and command line the stack declares. Pure: the files it hashes are read through
// PlanFiles, and secrets and public keys, known only once resources exist, are the
// arguments of the per-node functions. The components only turn this plan into resources.
import * as path from "node:path";
import { Access, sshCommand, vncCommand } from "./access";
import { libvirtName, NetworkPlan, NodePlan, planNetwork, planNode, planNodes } from "./addressing";
import { NetbootOutput, netbootOutput, NetbootPlan, NO_NETBOOT, planNetboot } from "./netboot";
import { CloudInitDocs, NodeSecrets, renderCloudInit } from "./cloud-init";
import { ClusterConfig, DomainType, Firmware } from "./config";
import { MAIN_HOST } from "./hosts";
import { fileSha256, IMAGES_DIR, imageRecipe, KubernetesBundle, recipeHash } from "./image-inputs";
import { kubeconfigCommand } from "./kubernetes";
import { Membership, planMembership } from "./membership";
import { LiveAgentPlan, planLiveAgent } from "./node-agent";
import { planReadiness, ReadinessPlan } from "./agent-readiness";
import { poolDir, seedDir, serialLogPath } from "./paths";

/** The host facts planning needs: file contents (hashed), where the cache is, the upstream Kubernetes bundle. */
export interface PlanFiles {
    read(p: string): Buffer;
    cacheDir: string;
    /** The built bundle (scripts/kubernetes.sh path) and its Kubernetes version; needed with kubernetes=upstream. */
    kubernetes?: KubernetesBundle;
}

export type ImagePlan =
    | { kind: "prebuilt"; path: string; hash: "" }
    | {
        kind: "build";
        /** Content hash of the image's inputs: names its directory and base volume. */
        hash: string;
        /** images/build.sh and its arguments. */
        argv: string[];
        /** The qcow2 the build leaves. */
        path: string;
    };

export interface DomainPlan {
    name: string;
    type: DomainType;
    memoryMiB: number;
    vcpus: number;
    firmware: Firmware;
    diskBytes: number;
    serialLog: string;
}

/** A node as the stack outputs show it; `K` is the WireGuard public key's type. */
export interface NodeOutput<K = string> {
    name: string;
    domain: string;
    /** The libvirt host it lives on (a name of the hosts output). */
    host: string;
    ip: string;
    wireguardIp: string;
    wireguardPublicKey: K;
    ssh: string;
    vncDisplay: string;
    serialLog: string;
    roles: string[];
}

export interface NodeSpec {
    node: NodePlan;
    domain: DomainPlan;
    /** The login the stack's steps use over SSH. */
    sshUser: string;
    /** The node's cloud-init documents, given the cluster's secrets. */
    cloudInit(secrets: NodeSecrets, automationPublicKey: string): CloudInitDocs;
    /**
     * membership=lab: what the node must know about the others, given every node's WireGuard
     * public key. Absent with membership=agent, where the node agent forms the cluster.
     */
    membership?(publicKeys: string[]): Membership;
    /** The node whose membership step must finish first (slurmd registers with slurmctld). */
    membershipAfter?: number;
    /** membership=agent: the wait for the node agent's "ready". */
    readiness?: ReadinessPlan;
    liveAgent?: LiveAgentPlan;
    output: Omit<NodeOutput, "wireguardPublicKey">;
}

/** A libvirt host of the stack: each has the stack's pool, network and base volume. */
export interface HostPlan {
    name: string;
    libvirtUri: string;
    network: NetworkPlan;
    /** Node numbers placed here. */
    nodes: number[];
}

/** A host as the stack's `hosts` output shows it. */
export interface HostOutput {
    name: string;
    libvirtUri: string;
    nodeCidr: string;
    network: string;
    nodes: number[];
}

/** A machine of bareMetalNodes: its MAC, which names its seed, and the seed given the cluster's secrets. */
export interface BareMetalSeedPlan {
    mac: string;
    hostname: string;
    cloudInit(clusterKey: string, automationPublicKey: string): CloudInitDocs;
}

export interface ClusterPlan {
    /** The main host (the stack's libvirtUri) first, then the others by name. */
    hosts: HostPlan[];
    /** The same names on every host. */
    pool: { name: string; dir: string };
    /** Private directory where seed ISOs are built before upload. */
    seedDir: string;
    image: ImagePlan;
    baseVolumeName: string;
    automationKeyComment: string;
    /** Whether the cluster has a Kubernetes CA of its own (upstream Kubernetes; K3s makes its own). */
    kubernetesCa: boolean;
    /** Who forms the cluster (config key membership): with "agent" the stack makes no WireGuard keys. */
    membership: ClusterConfig["membership"];
    /** Nodes by number. */
    nodes: NodeSpec[];
    /** The provisioning network on the main host (config key netbootCidr), if any. */
    netboot?: NetbootPlan;
    /** The seeds of the installed machines that join the cluster (bareMetalNodes; membership=agent). */
    bareMetalSeeds: BareMetalSeedPlan[];
    /** The stack outputs that are not per node. */
    outputs: {
        controller?: string; adminUser: string; libvirtUri: string; network: string; kubeconfig: string; hosts: HostOutput[];
        netboot: NetbootOutput | string;
    };
}

const GIB = 1024 ** 3;

export function planImage(cfg: ClusterConfig, files: PlanFiles): ImagePlan {
    if (cfg.image.kind === "prebuilt") return { kind: "prebuilt", path: cfg.image.path, hash: "" };
    const recipe = imageRecipe(cfg, cfg.image.flavor, files.kubernetes);
    const hash = recipeHash(recipe, files.read);
    const outDir = path.join(files.cacheDir, "images", `${recipe.flavor}-${hash}`);
    const argv = [
        path.join(IMAGES_DIR, "build.sh"), "--flavor", recipe.flavor, "--out", outDir,
        "--accelerator", cfg.domainType === "kvm" ? "kvm" : "tcg",
        ...(recipe.nodeAgentPath ? ["--node-agent", path.resolve(recipe.nodeAgentPath)] : []),
        ...(recipe.k3sVersion ? ["--k3s-version", recipe.k3sVersion] : []),
        ...(recipe.upstreamKubernetes ? ["--kubernetes-bundle", recipe.upstreamKubernetes.dir] : []),
        ...(recipe.extraPackages.length > 0 ? ["--extra-packages", recipe.extraPackages.join(",")] : []),
        ...(recipe.provisionScripts.length > 0 ? ["--provision-dir", path.dirname(recipe.provisionScripts[0])] : []),
    ];
    return { kind: "build", hash, argv, path: path.join(outDir, "clusteros-node.qcow2") };
}

export function planCluster(project: string, stack: string, cfg: ClusterConfig, files: PlanFiles, access: Access = {}): ClusterPlan {
    const nameOf = (thing: string) => libvirtName(project, stack, thing);
    const prefix = nameOf("").replace(/-$/, "");
    // One host NATs; several route their networks to each other (planNetwork says why). A
    // one-host stack that will get hosts can be routed from the start (networkMode).
    const mode = cfg.networkMode === "auto" ? (cfg.hosts.length > 1 ? "route" : "nat") : cfg.networkMode;
    const hosts = cfg.hosts.map((h): HostPlan => ({
        name: h.name, libvirtUri: h.libvirtUri, network: planNetwork(project, stack, h.nodeCidr, mode), nodes: h.nodes,
    }));
    const networkOf = (node: { host: string }) => hosts.find((h) => h.name === node.host)!.network;
    const main = hosts.find((h) => h.name === MAIN_HOST)!;
    const netboot = cfg.netboot ? planNetboot(project, stack, cfg.netboot.cidr, cfg.netboot.tree, cfg.netboot.httpPort) : undefined;
    const image = planImage(cfg, files);
    const nodes = planNodes(project, stack, cfg);
    const kubernetesServer = nodes.find((n) => n.kubernetesServer) ?? nodes[0];
    const controller = nodes.find((n) => n.slurmController);
    const agentSha = cfg.nodeAgentDelivery === "live" && cfg.nodeAgentPath ? fileSha256(cfg.nodeAgentPath, files.read) : undefined;

    const byAgent = cfg.membership === "agent";
    const specs = nodes.map((node): NodeSpec => {
        const serialLog = serialLogPath(node.domainName);
        const formation = byAgent
            ? { readiness: planReadiness(node) }
            : {
                membership: (publicKeys: string[]) => planMembership(node, nodes, publicKeys, cfg),
                membershipAfter: cfg.slurm && controller && !node.slurmController ? controller.index : undefined,
            };
        return {
            node,
            domain: {
                name: node.domainName, type: cfg.domainType, memoryMiB: cfg.nodeMemoryMiB, vcpus: cfg.nodeVcpus,
                firmware: cfg.firmware, diskBytes: cfg.nodeDiskGiB * GIB, serialLog,
            },
            sshUser: cfg.adminUser,
            cloudInit: (secrets, automationPublicKey) => renderCloudInit({
                node, network: networkOf(node), cfg, kubernetesServer, upstreamKubernetesVersion: files.kubernetes?.version ?? "", automationPublicKey, secrets,
                emulated: cfg.domainType === "qemu",
            }),
            ...formation,
            liveAgent: agentSha && cfg.nodeAgentPath ? planLiveAgent(node, cfg.nodeAgentPath, agentSha) : undefined,
            output: {
                name: node.hostname,
                domain: node.domainName,
                host: node.host,
                ip: node.ip,
                wireguardIp: node.wireguardIp,
                ssh: sshCommand(access, cfg.adminUser, node.ip),
                vncDisplay: vncCommand(access, stack, node.index),
                serialLog,
                // With membership=agent the roles are the agent's choice (lab status shows them).
                roles: byAgent ? [] : node.roles,
            },
        };
    });
    // An installed machine joins on the main host's network, with the identity a VM of its number
    // would have but its own MAC; only the cluster key is a secret it gets (identity only).
    const bareMetalSeeds = cfg.bareMetalNodes.map((m): BareMetalSeedPlan => {
        const node = { ...planNode(project, stack, cfg, m.index, cfg.hosts[0]), mac: m.mac };
        return {
            mac: m.mac,
            hostname: node.hostname,
            cloudInit: (clusterKey, automationPublicKey) => renderCloudInit({
                node, network: main.network, cfg, kubernetesServer, upstreamKubernetesVersion: "", automationPublicKey,
                secrets: { wireguardPrivateKey: "", mungeKey: "", kubernetes: { token: "" }, clusterKey }, emulated: false,
            }),
        };
    });
    return {
        hosts,
        pool: { name: nameOf("pool"), dir: poolDir(prefix) },
        seedDir: seedDir(prefix),
        image,
        // Volume names carry the image hash: a new image is a new base, the old one stays
        // until the nodes on it are gone.
        baseVolumeName: nameOf(`base-${image.hash || "prebuilt"}.qcow2`),
        automationKeyComment: nameOf("automation"),
        kubernetesCa: cfg.kubernetes === "upstream",
        membership: cfg.membership,
        nodes: specs,
        netboot,
        bareMetalSeeds,
        outputs: {
            netboot: netboot ? netbootOutput(netboot) : NO_NETBOOT,
            controller: byAgent ? undefined : controller?.hostname,
            adminUser: cfg.adminUser,
            libvirtUri: main.libvirtUri,
            network: main.network.name,
            hosts: hosts.map((h) => ({ name: h.name, libvirtUri: h.libvirtUri, nodeCidr: h.network.cidr, network: h.network.name, nodes: h.nodes })),
            kubeconfig: cfg.kubernetes === "off"
                ? "Kubernetes is off for this stack (config key kubernetes)"
                : kubeconfigCommand(sshCommand(access, cfg.adminUser, kubernetesServer.ip), kubernetesServer, cfg.kubernetes),
        },
    };
}
