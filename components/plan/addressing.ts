// Node identities: names, IPs, MACs, WireGuard addresses and roles. Pure, and the one
// place these facts are computed; everything else asks here.
import { createHash } from "node:crypto";
import { Cidr, fromNumber, hostAddress, NODE_OFFSET } from "./cidr";
import { ClusterConfig } from "./config";
import { POD_SUBNET_PREFIX } from "./config-schema";
import { hostOf } from "./hosts";

export interface NodePlan {
    /** 1-based node number. */
    index: number;
    /** Guest hostname, e.g. cluster-node-2. */
    hostname: string;
    fqdn: string;
    /** libvirt domain name, <project>-<stack>-node-N. */
    domainName: string;
    /** The libvirt host it lives on (components/plan/hosts.ts): main, or a name from the hosts key. */
    host: string;
    /** Its address on its host's network: in that host's nodeCidr. */
    ip: string;
    mac: string;
    wireguardIp: string;
    slurmController: boolean;
    kubernetesServer: boolean;
    /** This node's pods' subnet: the index-th /24 of podCidr (routed to it over the mesh). */
    podSubnet: string;
    /** What runs here: slurm-controller or slurm-worker, kubernetes-server or kubernetes-agent (when on). */
    roles: string[];
}

export interface NetworkPlan {
    name: string;
    bridge: string;
    domain: string;
    cidr: string;
    gateway: string;
    prefix: number;
    mode: NetworkMode;
}

export type NetworkMode = "nat" | "route";

/** Every libvirt object of a stack is named <project>-<stack>-<thing>. */
export function libvirtName(project: string, stack: string, thing: string): string {
    return `${project}-${stack}-${thing}`;
}

export function hostname(index: number): string {
    return `cluster-node-${index}`;
}

export function dnsDomain(stack: string): string {
    return `${stack}.clusteros.internal`;
}

export function nodeIp(cidr: Cidr, index: number): string {
    return hostAddress(cidr, NODE_OFFSET + index);
}

export function wireguardIp(cidr: Cidr, index: number): string {
    return hostAddress(cidr, index);
}

/** Node `index`'s pod subnet: the index-th /24 of the pod range (validation keeps it inside). */
export function podSubnet(cidr: Cidr, index: number): string {
    return `${fromNumber(cidr.base + index * 2 ** (32 - POD_SUBNET_PREFIX))}/${POD_SUBNET_PREFIX}`;
}

/** Locally administered QEMU MAC, stable per (stack network, node). */
export function nodeMac(project: string, stack: string, index: number): string {
    const h = createHash("sha256").update(`${project}/${stack}`).digest();
    const bytes = [0x52, 0x54, 0x00, h[0], h[1], index];
    return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/**
 * A stack's network on one host. Alone, a host NATs its nodes' traffic; with other hosts,
 * every host routes its network (no NAT), so nodes reach each other across hosts at their
 * own addresses once the hosts route each other's ranges (docs/MULTI_HOST.md).
 */
export function planNetwork(project: string, stack: string, cidr: Cidr, mode: NetworkMode = "nat"): NetworkPlan {
    // Linux limits bridge names to 15 characters: derive a short, stable one.
    const h = createHash("sha256").update(`${project}/${stack}`).digest("hex").slice(0, 8);
    return {
        name: libvirtName(project, stack, "net"),
        bridge: `clab${h}`,
        domain: dnsDomain(stack),
        cidr: cidr.text,
        gateway: hostAddress(cidr, 1),
        prefix: cidr.prefix,
        mode,
    };
}

/** The services of a node, as its outputs and the node agent name them. */
export function rolesOf(cfg: Pick<ClusterConfig, "slurm" | "kubernetes">, slurmController: boolean, kubernetesServer: boolean): string[] {
    return [
        ...(cfg.slurm ? [slurmController ? "slurm-controller" : "slurm-worker"] : []),
        ...(cfg.kubernetes !== "off" ? [kubernetesServer ? "kubernetes-server" : "kubernetes-agent"] : []),
    ];
}

export function planNode(project: string, stack: string, cfg: ClusterConfig, index: number): NodePlan {
    const name = hostname(index);
    const slurmController = index === cfg.controllerNode;
    const kubernetesServer = index === cfg.kubernetesServerNode;
    const host = hostOf(cfg.hosts, index);
    return {
        index,
        hostname: name,
        fqdn: `${name}.${dnsDomain(stack)}`,
        domainName: libvirtName(project, stack, `node-${index}`),
        host: host.name,
        ip: nodeIp(host.nodeCidr, index),
        mac: nodeMac(project, stack, index),
        wireguardIp: wireguardIp(cfg.wireguardCidr, index),
        slurmController,
        kubernetesServer,
        podSubnet: podSubnet(cfg.podCidr, index),
        roles: rolesOf(cfg, slurmController, kubernetesServer),
    };
}

export function planNodes(project: string, stack: string, cfg: ClusterConfig): NodePlan[] {
    return Array.from({ length: cfg.nodeCount }, (_, i) => planNode(project, stack, cfg, i + 1));
}
