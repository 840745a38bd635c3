// Cluster membership: what every node must know about the others (WireGuard peers,
// /etc/hosts, SLURM's node list), as the script that applies it on one node. Pure.
// Its hash is the trigger of the node's membership step: it changes when nodes come or
// go, and then reaches running nodes without recreating them.
import { createHash } from "node:crypto";
import { NodePlan } from "./addressing";
import { ClusterConfig } from "./config";
import { b64, nodeStep, render, template } from "./templates";

export interface Peer {
    hostname: string;
    publicKey: string;
    endpoint: string;
    allowedIps: string;
}

/**
 * Full mesh: every node peers with every other node. With upstream Kubernetes a peer also
 * carries its pods' subnet, so pod traffic between nodes goes over the mesh unwrapped.
 */
export function peersOf(self: NodePlan, nodes: NodePlan[], publicKeys: string[], port: number, podRoutes = false): Peer[] {
    return nodes
        .filter((n) => n.index !== self.index)
        .map((n) => ({
            hostname: n.hostname,
            publicKey: publicKeys[n.index - 1],
            endpoint: `${n.ip}:${port}`,
            allowedIps: [`${n.wireguardIp}/32`, ...(podRoutes ? [n.podSubnet] : [])].join(", "),
        }));
}

/** slurmd refuses to serve a node that reports less memory than configured: leave room. */
export function slurmRealMemory(memoryMiB: number): number {
    return Math.floor(memoryMiB * 0.75);
}

/** The cluster-wide settings membership uses. */
export type MembershipConfig = Pick<ClusterConfig, "wireguardPort" | "slurm" | "nodeVcpus" | "nodeMemoryMiB" | "kubernetes">;

export function renderSlurmConf(nodes: NodePlan[], cfg: MembershipConfig): string {
    const controller = nodes.find((n) => n.slurmController) ?? nodes[0];
    return render("membership/slurm.conf.mustache", {
        controller,
        nodes: nodes.map((n) => ({ ...n, cpus: cfg.nodeVcpus, realMemory: slurmRealMemory(cfg.nodeMemoryMiB) })),
    });
}

/** What the static membership script (cloud-init/membership/apply.sh) applies on one node. */
export interface MembershipData {
    hostname: string;
    nodeCount: number;
    slurm: boolean;
    slurmController: boolean;
    peersConf: string;
    hosts: string;
    /** Empty when SLURM is off. */
    slurmConf: string;
    cgroupConf: string;
    /** Other nodes' pod subnets, routed over wg0 (upstream Kubernetes; else none). */
    podRoutes: string[];
}

export interface Membership {
    /** Changes exactly when the data does: the trigger of the node's membership step. */
    hash: string;
    data: MembershipData;
    /** The script, static, and the environment it reads the data from. */
    script: string;
    environment: Record<string, string>;
    peers: Peer[];
}

export function membershipEnvironment(d: MembershipData, hash: string): Record<string, string> {
    return {
        MEMBERSHIP_HOSTNAME: d.hostname,
        MEMBERSHIP_GENERATION: hash,
        MEMBERSHIP_NODE_COUNT: String(d.nodeCount),
        MEMBERSHIP_SLURM: String(d.slurm),
        MEMBERSHIP_SLURM_CONTROLLER: String(d.slurmController),
        MEMBERSHIP_PEERS_CONF: b64(d.peersConf),
        MEMBERSHIP_HOSTS: b64(d.hosts),
        MEMBERSHIP_SLURM_CONF: b64(d.slurmConf),
        MEMBERSHIP_CGROUP_CONF: b64(d.cgroupConf),
        MEMBERSHIP_POD_ROUTES: d.podRoutes.join(" "),
    };
}

export function planMembership(self: NodePlan, nodes: NodePlan[], publicKeys: string[], cfg: MembershipConfig): Membership {
    const podRoutes = cfg.kubernetes === "upstream";
    const peers = peersOf(self, nodes, publicKeys, cfg.wireguardPort, podRoutes);
    const data: MembershipData = {
        hostname: self.hostname,
        nodeCount: nodes.length,
        slurm: cfg.slurm,
        slurmController: self.slurmController,
        peersConf: render("membership/peers.conf.mustache", { hostname: self.hostname, peers }),
        hosts: render("membership/hosts.mustache", { nodes }),
        slurmConf: cfg.slurm ? renderSlurmConf(nodes, cfg) : "",
        cgroupConf: template("membership/cgroup.conf"),
        podRoutes: podRoutes ? nodes.filter((n) => n.index !== self.index).map((n) => n.podSubnet) : [],
    };
    const hash = createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 16);
    return { hash, data, script: nodeStep("membership/apply.sh"), environment: membershipEnvironment(data, hash), peers };
}
