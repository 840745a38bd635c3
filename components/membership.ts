// Cluster membership: what every node must know about the others (WireGuard peers,
// /etc/hosts, SLURM's node list), as the script that applies it on one node. Pure.
// Its hash is the trigger of the node's membership step: it changes when nodes come or
// go, and then reaches running nodes without recreating them.
import { createHash } from "node:crypto";
import { NodePlan } from "./addressing";
import { ClusterConfig } from "./config";
import { b64, render, template } from "./templates";

export interface Peer {
    hostname: string;
    publicKey: string;
    endpoint: string;
    allowedIps: string;
}

/** Full mesh: every node peers with every other node. */
export function peersOf(self: NodePlan, nodes: NodePlan[], publicKeys: string[], port: number): Peer[] {
    return nodes
        .filter((n) => n.index !== self.index)
        .map((n) => ({
            hostname: n.hostname,
            publicKey: publicKeys[n.index - 1],
            endpoint: `${n.ip}:${port}`,
            allowedIps: `${n.wireguardIp}/32`,
        }));
}

/** slurmd refuses to serve a node that reports less memory than configured: leave room. */
export function slurmRealMemory(memoryMiB: number): number {
    return Math.floor(memoryMiB * 0.75);
}

export function renderSlurmConf(nodes: NodePlan[], cfg: ClusterConfig): string {
    const controller = nodes.find((n) => n.slurmController) ?? nodes[0];
    return render("membership/slurm.conf.mustache", {
        controller,
        nodes: nodes.map((n) => ({ ...n, cpus: cfg.nodeVcpus, realMemory: slurmRealMemory(cfg.nodeMemoryMiB) })),
    });
}

export interface Membership {
    hash: string;
    script: string;
    peers: Peer[];
}

export function planMembership(self: NodePlan, nodes: NodePlan[], publicKeys: string[], cfg: ClusterConfig): Membership {
    const peers = peersOf(self, nodes, publicKeys, cfg.wireguardPort);
    const peersConf = render("membership/peers.conf.mustache", { hostname: self.hostname, peers });
    const hosts = render("membership/hosts.mustache", { nodes });
    const slurmConf = cfg.slurm ? renderSlurmConf(nodes, cfg) : "";
    const cgroupConf = template("membership/cgroup.conf");
    const hash = createHash("sha256")
        .update(JSON.stringify([self.hostname, peersConf, hosts, slurmConf, cgroupConf, cfg.slurm]))
        .digest("hex")
        .slice(0, 16);
    const script = render("membership/apply.sh.mustache", {
        hostname: self.hostname, hash, nodeCount: nodes.length,
        peersB64: b64(peersConf), hostsB64: b64(hosts),
        slurm: cfg.slurm, controller: self.slurmController,
        slurmConfB64: b64(slurmConf), cgroupConfB64: b64(cgroupConf),
    });
    return { hash, script, peers };
}
