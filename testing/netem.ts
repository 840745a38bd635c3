// Degraded links between nodes (loss, delay and jitter, duplication, reordering, corruption, a
// rate), with tc netem on the nodes' own interface:
// what node A sends to node B's address leaves A through a netem band, so A -> B is
// degraded; doing the same on B degrades B -> A. It runs in the guests, whose Debian kernel
// has netem (a host kernel may not: this project's CI host has none), and so works on any
// libvirt host. Pure: it plans the tc command lines; testing/lab-cluster.ts runs them.

export interface Degradation {
    /** Percent of packets dropped, 0-100. */
    lossPct?: number;
    /** Added one-way delay in milliseconds. */
    delayMs?: number;
    /** Random variation of the delay, in milliseconds (needs delayMs). */
    jitterMs?: number;
    /** Percent of packets sent twice. */
    duplicatePct?: number;
    /** Percent of packets sent at once, ahead of the delayed rest (needs delayMs): reordering. */
    reorderPct?: number;
    /** Percent of packets with a bit flipped. */
    corruptPct?: number;
    /** A rate limit, in kilobits per second. */
    rateKbit?: number;
}

/** Band 4 of a 4-band prio qdisc carries the degraded traffic; the default priomap never uses it. */
const PRIOMAP = ["1", "2", "2", "2", "1", "2", "0", "0", "1", "1", "1", "1", "1", "1", "1", "1"];

const isPct = (v: number) => v >= 0 && v <= 100;

export function netemArgs(d: Degradation): string[] {
    const { lossPct: loss = 0, delayMs: delay = 0, jitterMs: jitter = 0, duplicatePct: dup = 0, reorderPct: reorder = 0, corruptPct: corrupt = 0, rateKbit: rate = 0 } = d;
    if (![loss, dup, reorder, corrupt].every(isPct) || !(delay >= 0) || !(jitter >= 0) || !(rate >= 0)) {
        throw new RangeError("a degradation takes percentages (lossPct, duplicatePct, reorderPct, corruptPct) from 0 to 100 and delayMs, jitterMs, "
            + `rateKbit from 0 (got ${JSON.stringify(d)})`);
    }
    if ((jitter > 0 || reorder > 0) && delay === 0) throw new RangeError("jitterMs and reorderPct need a delayMs to vary or to overtake");
    return [
        ...(delay > 0 ? ["delay", `${delay}ms`, ...(jitter > 0 ? [`${jitter}ms`] : [])] : []),
        ...(loss > 0 ? ["loss", `${loss}%`] : []),
        ...(dup > 0 ? ["duplicate", `${dup}%`] : []),
        ...(reorder > 0 ? ["reorder", `${reorder}%`] : []),
        ...(corrupt > 0 ? ["corrupt", `${corrupt}%`] : []),
        ...(rate > 0 ? ["rate", `${rate}kbit`] : []),
    ];
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
