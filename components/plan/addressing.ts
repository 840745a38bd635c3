// Node identities: names, IPs, MACs, WireGuard addresses and roles. Pure, and the one
// place these facts are computed; everything else asks here.
import { Cidr, fromNumber, hostAddress, NODE_OFFSET } from "./cidr";
import type { ClusterConfig } from "./config";
import { POD_SUBNET_PREFIX } from "./config-types";
import { dnsDomain, hostname, libvirtName, nodeMac } from "./names";
import { hostOf } from "./hosts";

export { dnsDomain, hostname, libvirtName, nodeMac, planNetwork } from "./names";
export type { NetworkMode, NetworkPlan } from "./names";

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

/** The services of a node, as its outputs and the node agent name them. */
export function rolesOf(cfg: Pick<ClusterConfig, "slurm" | "kubernetes">, slurmController: boolean, kubernetesServer: boolean): string[] {
    return [
        ...(cfg.slurm ? [slurmController ? "slurm-controller" : "slurm-worker"] : []),
        ...(cfg.kubernetes !== "off" ? [kubernetesServer ? "kubernetes-server" : "kubernetes-agent"] : []),
    ];
}

/** Node `index` of the stack, on the host that holds it (`host`: where the hosts key does not place it). */
export function planNode(project: string, stack: string, cfg: ClusterConfig, index: number, host = hostOf(cfg.hosts, index)): NodePlan {
    const name = hostname(index);
    const slurmController = index === cfg.controllerNode;
    const kubernetesServer = index === cfg.kubernetesServerNode;
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
