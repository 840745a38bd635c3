// The cloud-init documents of one node: user-data, meta-data, network-config. Pure: all
// inputs, secrets included, arrive as plain values (the component calls this inside an
// apply, keeping the result secret). Only node identity goes in here, never membership.
import { NetworkPlan, NodePlan } from "./addressing";
import { ClusterConfig } from "./config";
import { KubernetesConfig, kubernetesFiles, KubernetesSecrets } from "./kubernetes";
import { b64, fillYaml, render, toYaml } from "./templates";

export interface NodeSecrets {
    wireguardPrivateKey: string;
    /** base64 of the 1024-byte munge key. */
    mungeKey: string;
    kubernetes: KubernetesSecrets;
    clusterKey: string;
}

export interface CloudInitInput {
    node: NodePlan;
    network: NetworkPlan;
    cfg: Pick<ClusterConfig, "wireguardCidr" | "wireguardPort" | "slurm" | "adminUser" | "sshPublicKeys" | "membership" | "image"> & KubernetesConfig;
    /** The Kubernetes server node (agents join it). */
    kubernetesServer: NodePlan;
    /** Version of the upstream Kubernetes bundle baked into the image. */
    upstreamKubernetesVersion: string;
    automationPublicKey: string;
    secrets: NodeSecrets;
    /** A VM under TCG (domainType qemu): the node gets EMULATION_BOOTCMD. Never a bare-metal seed. */
    emulated: boolean;
}

export interface CloudInitDocs {
    userData: string;
    metaData: string;
    networkConfig: string;
}

interface WrittenFile {
    path: string;
    permissions: string;
    owner: string;
    encoding: "b64";
    content: string;
}

function file(path: string, permissions: string, owner: string, text: string): WrittenFile {
    return { path, permissions, owner, encoding: "b64", content: b64(text) };
}

/**
 * membership=agent: the node's identity and nothing more (docs/NODE_AGENT.md). No WireGuard
 * key, munge key, role or Kubernetes file: the node agent makes or chooses them.
 */
function identityFiles(input: CloudInitInput): WrittenFile[] {
    const { node, network, cfg, secrets } = input;
    return [file("/etc/clusteros/node-agent.env", "0600", "root:root", render("files/node-agent-identity.env.mustache", {
        nodeId: node.domainName, hostname: node.hostname, index: node.index, clusterKey: secrets.clusterKey,
        ip: node.ip, nodeCidr: network.cidr, wireguardIp: node.wireguardIp, wireguardCidr: cfg.wireguardCidr.text,
        wireguardPort: cfg.wireguardPort, slurm: cfg.slurm,
    }))];
}

/** membership=lab: the node's WireGuard identity, its agent's environment, munge's key, its roles' files. */
function labFiles(input: CloudInitInput): { files: WrittenFile[]; runcmd: string[] } {
    const { node, cfg, secrets } = input;
    const files: WrittenFile[] = [
        file("/etc/wireguard/wg0.conf", "0600", "root:root", render("files/wg0.conf.mustache", {
            hostname: node.hostname, privateKey: secrets.wireguardPrivateKey, address: node.wireguardIp,
            prefix: cfg.wireguardCidr.prefix, port: cfg.wireguardPort,
        })),
        file("/etc/clusteros/node-agent.env", "0600", "root:root", render("files/node-agent.env.mustache", {
            nodeId: node.domainName, hostname: node.hostname, index: node.index, clusterKey: secrets.clusterKey,
            ip: node.ip, wireguardIp: node.wireguardIp, roles: node.roles.join(","),
        })),
    ];
    // WireGuard, munge and the node agent need no command: the image enables them, ordered
    // after cloud-init has written their files (images/common/systemd).
    const runcmd: string[] = [];
    if (cfg.slurm) {
        files.push({ path: "/etc/munge/munge.key", permissions: "0400", owner: "munge:munge", encoding: "b64", content: secrets.mungeKey });
        if (node.slurmController) {
            files.push(file("/etc/clusteros/slurm-controller", "0644", "root:root", "slurmctld runs here\n"));
        }
    }
    const kubernetes = kubernetesFiles(node, input.kubernetesServer, cfg, secrets.kubernetes, input.upstreamKubernetesVersion);
    if (kubernetes) {
        files.push(...kubernetes.files.map((f) => file(f.path, f.permissions, "root:root", f.text)));
        runcmd.push(kubernetes.start);
    }
    return { files, runcmd };
}

/**
 * Run at every boot of a node under TCG: a ping to itself once a day, started as a transient
 * unit, holds a socket with SO_TIMESTAMP open, which keeps the kernel's receive-timestamp static
 * key on. Otherwise every ping (the health checks run hundreds) switches it on and off, and so
 * patches the kernel's receive path (netif_receive_skb_list_internal) while the other vCPU runs
 * it: under QEMU 7.2's multi-threaded TCG, CI saw a vCPU stay at that patched jump for good
 * (27 soft-lockup reports over 10 minutes, identical registers each time), three times, from
 * virtio-net's NAPI poll and from WireGuard's.
 * --no-block: bootcmd runs in cloud-init.service, ordered before the unit's basic.target.
 */
const EMULATION_BOOTCMD = [["systemd-run", "--no-block", "--unit=clusteros-lab-rx-timestamps",
    "--description=Keeps the receive-timestamp static key on (ClusterOS Lab, TCG)", "ping", "-q", "-i", "86400", "127.0.0.1"]];

/** Present on a node whose seed needs neither of cloud-init's later stages (the image's condition). */
export const INIT_ONLY = "/etc/clusteros/cloud-init-init-only";

/**
 * Whether the node's image skips those stages well: the lab's Debian 12 build, whose
 * cloud-init (22.4) takes the result clusteros-cloud-init-result writes (shown by the e2e).
 * Not Ubuntu 24.04's, whose newer cloud-init may run every stage in one process that waits
 * for each stage's unit to start (untested here: that image needs the internet), nor a
 * prebuilt image (imagePath), whose cloud-init is unknown.
 */
function skipsLaterStages(image: ClusterConfig["image"]): boolean {
    return image.kind === "build" && image.flavor === "debian-12";
}

export function renderCloudInit(input: CloudInitInput): CloudInitDocs {
    const { node, network, cfg } = input;
    const { files, runcmd } = cfg.membership === "agent" ? { files: identityFiles(input), runcmd: [] } : labFiles(input);
    // Nothing for cloud-init's config and final stages (runcmd is the only module the lab's
    // seeds use there): an image that can skips both (images/common/cloud/cloud-init-later-stages.conf).
    if (runcmd.length === 0 && skipsLaterStages(cfg.image)) files.push(file(INIT_ONLY, "0644", "root:root", render("files/cloud-init-init-only.mustache", {})));
    return {
        userData: fillYaml("user-data.yaml", [
            [["hostname"], node.hostname],
            [["fqdn"], node.fqdn],
            [["users", 0, "name"], cfg.adminUser],
            [["users", 0, "ssh_authorized_keys"], [input.automationPublicKey, ...cfg.sshPublicKeys]],
            [["write_files"], files],
            ...(input.emulated ? [[["bootcmd"], EMULATION_BOOTCMD] as [string[], unknown]] : []),
            ...(runcmd.length ? [[["runcmd"], runcmd] as [string[], unknown]] : []),
        ]),
        metaData: toYaml({ "instance-id": node.domainName, "local-hostname": node.hostname }),
        networkConfig: fillYaml("network-config.yaml", [
            [["ethernets", "primary", "match", "macaddress"], node.mac],
            [["ethernets", "primary", "addresses"], [`${node.ip}/${network.prefix}`]],
            [["ethernets", "primary", "routes", 0, "via"], network.gateway],
            [["ethernets", "primary", "nameservers", "addresses"], [network.gateway]],
            [["ethernets", "primary", "nameservers", "search"], [network.domain]],
        ]),
    };
}
