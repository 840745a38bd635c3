// Names every part of the lab shares: libvirt object names, node hostnames, the stack's DNS
// domain and its network on a host. A leaf module: the config schema (which checks network
// collisions) and addressing.ts both use it, and addressing.ts re-exports it.
import { createHash } from "node:crypto";
import { Cidr, hostAddress } from "./cidr";

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

/** What every libvirt object of a stack is named after: <project>-<stack>. */
export function libvirtPrefix(project: string, stack: string): string {
    return `${project}-${stack}`;
}

/** Every libvirt object of a stack is named <project>-<stack>-<thing>. */
export function libvirtName(project: string, stack: string, thing: string): string {
    return `${libvirtPrefix(project, stack)}-${thing}`;
}

/** Locally administered QEMU MAC, stable per (stack network, node). */
export function nodeMac(project: string, stack: string, index: number): string {
    const h = createHash("sha256").update(`${project}/${stack}`).digest();
    const bytes = [0x52, 0x54, 0x00, h[0], h[1], index];
    return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

export function hostname(index: number): string {
    return `cluster-node-${index}`;
}

export function dnsDomain(stack: string): string {
    return `${stack}.clusteros.internal`;
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
