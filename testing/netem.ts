// Degraded links between nodes (loss, delay), with tc netem on the nodes' own interface:
// what node A sends to node B's address leaves A through a netem band, so A -> B is
// degraded; doing the same on B degrades B -> A. It runs in the guests, whose Debian kernel
// has netem (a host kernel may not: this project's CI host has none), and so works on any
// libvirt host. Pure: it plans the tc command lines; testing/lab-cluster.ts runs them.

export interface Degradation {
    /** Percent of packets dropped, 0-100. */
    lossPct?: number;
    /** Added one-way delay in milliseconds. */
    delayMs?: number;
}

/** Band 4 of a 4-band prio qdisc carries the degraded traffic; the default priomap never uses it. */
const PRIOMAP = ["1", "2", "2", "2", "1", "2", "0", "0", "1", "1", "1", "1", "1", "1", "1", "1"];

export function netemArgs(d: Degradation): string[] {
    const loss = d.lossPct ?? 0;
    const delay = d.delayMs ?? 0;
    if (!(loss >= 0 && loss <= 100) || !(delay >= 0)) {
        throw new RangeError(`a degradation needs lossPct from 0 to 100 and delayMs from 0 (got loss ${loss}, delay ${delay})`);
    }
    return [...(delay > 0 ? ["delay", `${delay}ms`] : []), ...(loss > 0 ? ["loss", `${loss}%`] : [])];
}

/**
 * tc command lines (run as root on a node) that degrade what its interface `dev` sends to
 * the given addresses. They replace anything set on the device before.
 */
export function degradeCommands(dev: string, destinations: string[], d: Degradation): string[][] {
    const netem = netemArgs(d);
    if (netem.length === 0) return [clearCommand(dev)];
    return [
        clearCommand(dev),
        ["tc", "qdisc", "add", "dev", dev, "root", "handle", "1:", "prio", "bands", "4", "priomap", ...PRIOMAP],
        ["tc", "qdisc", "add", "dev", dev, "parent", "1:4", "handle", "40:", "netem", ...netem],
        ...destinations.map((ip) => ["tc", "filter", "add", "dev", dev, "parent", "1:", "protocol", "ip", "prio", "1",
            "u32", "match", "ip", "dst", `${ip}/32`, "flowid", "1:4"]),
    ];
}

/** Removes what degradeCommands set (the device falls back to its default qdisc). */
export function clearCommand(dev: string): string[] {
    return ["tc", "qdisc", "del", "dev", dev, "root"];
}
