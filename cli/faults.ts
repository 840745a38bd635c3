// Fault injection for tests: a partition between groups of nodes and degraded links (loss, a
// rate limit) between them, each an nftables table of the stack's own, in the bridge family,
// where the daemon runs (the lab namespace in namespace mode, the host in host mode): outside
// the guests, which cannot undo them. Power, pause and clock faults go through libvirt. The
// rulesets are planned here, purely; lab.ts and the test API apply them.
import * as path from "node:path";
import { MAIN_HOST } from "../components/plan/hosts";
import { renderFile } from "../components/plan/templates";
import { PartitionShape, shapeCuts, views } from "./partition-shapes";
import type { Impairment } from "./relay-rules";
import { NodeInfo } from "./stack";

/** The nftables table of a stack's faults: one per stack, so heal never touches another's. */
export function faultTable(stack: string): string {
    return `clusteros_lab_${stack.replace(/[^A-Za-z0-9_]/g, "_")}`;
}

/** Node groups as `lab partition` takes them: comma-separated node numbers, e.g. "1,2". */
export function parseGroup(text: string, nodes: NodeInfo[]): NodeInfo[] {
    return text.split(",").map((n) => {
        const i = Number(n.trim());
        if (!Number.isInteger(i) || i < 1 || i > nodes.length) {
            throw new Error(`node '${n}' is not one of 1..${nodes.length} (groups are comma-separated node numbers, e.g. 1,2)`);
        }
        return nodes[i - 1];
    });
}

const TEMPLATE = path.join(__dirname, "partition.nft.mustache");

/**
 * The ruleset that cuts `a` off from `b`: both directions, or with oneWay only what `a`
 * sends to `b`. Loading it (nft -f, one transaction) replaces any earlier partition of the stack.
 */
export function partitionRuleset(stack: string, a: NodeInfo[], b: NodeInfo[], oneWay = false): string {
    return cutsRuleset(stack, [{ a, b, oneWay }]);
}

/** The ruleset of a partition of several cuts at once (a shape): one fault, one heal. */
function cutsRuleset(stack: string, cuts: { a: NodeInfo[]; b: NodeInfo[]; oneWay?: boolean }[]): string {
    const drops = cuts.flatMap((c) => flows(c.a, c.b, !!c.oneWay, { what: "a partition", sides: "both sides of a partition" }));
    return renderFile(TEMPLATE, { stack, table: faultTable(stack), drops, heal: false });
}

/**
 * The ruleset of a partition of a standard shape (partition-shapes.ts) over the stack's
 * nodes, and what each node sees under it. Replaces any earlier partition of the stack.
 */
export function shapeRuleset(stack: string, shape: PartitionShape, nodes: NodeInfo[]): { ruleset: string; views: Map<number, number[]> } {
    const cuts = shapeCuts(shape, nodes.length);
    const pick = (group: number[]) => group.map((i) => nodes[i - 1]);
    return { ruleset: cutsRuleset(stack, cuts.map((c) => ({ a: pick(c.a), b: pick(c.b) }))), views: views(cuts, nodes.length) };
}

/**
 * The address pairs a network fault between `a` and `b` acts on: what `a` sends to `b`, and
 * unless oneWay the reverse. Refuses a node on both sides, and a node of another host: the
 * rulesets are loaded where the main host's bridge forwards.
 */
function flows(a: NodeInfo[], b: NodeInfo[], oneWay: boolean, names: { what: string; sides: string }): { from: string; to: string }[] {
    const overlap = a.filter((n) => b.includes(n));
    if (overlap.length > 0) throw new Error(`${overlap.map((n) => n.name).join(", ")} cannot be on ${names.sides}`);
    const elsewhere = [...a, ...b].filter((n) => n.host !== MAIN_HOST);
    if (elsewhere.length > 0) {
        throw new Error(`${names.what} acts on the main host's network; ${elsewhere.map((n) => `${n.name} is on host ${n.host}`).join(", ")}`);
    }
    return a.flatMap((x) => b.flatMap((y) => [{ from: x.ip, to: y.ip }, ...(oneWay ? [] : [{ from: y.ip, to: x.ip }])]));
}

/** The rulesets that remove the stack's partition and degraded links, if there are any. */
export function healRuleset(stack: string): string {
    return renderFile(TEMPLATE, { stack, table: faultTable(stack), heal: true })
        + renderFile(LINKS_TEMPLATE, { stack, table: linksTable(stack), heal: true });
}

/**
 * How a link is degraded from outside the guests: loss and a rate on the bridge (nftables),
 * the rest by the frame relay in QEMU's path (cli/link-relay.ts).
 */
export interface LinkFault extends Impairment {
    /** Percent of frames dropped at random, 1-99. */
    lossPct?: number;
    /** Frames beyond this rate are dropped, in kilobytes per second. */
    rateKBps?: number;
}

const LINKS_TEMPLATE = path.join(__dirname, "links.nft.mustache");

/** The nftables table of a stack's degraded links (its partition's table is faultTable). */
export function linksTable(stack: string): string {
    return `${faultTable(stack)}_links`;
}

/**
 * The ruleset that degrades what `a` sends to `b` (and, unless oneWay, what `b` sends to `a`).
 * Loading it replaces any earlier degradation of the stack.
 */
export function linkRuleset(stack: string, a: NodeInfo[], b: NodeInfo[], fault: LinkFault, oneWay = false): string {
    const { lossPct, rateKBps } = fault;
    if (lossPct === undefined && rateKBps === undefined) throw new Error("a degraded link needs a loss (percent) or a rate (kilobytes per second)");
    if (lossPct !== undefined && !(Number.isInteger(lossPct) && lossPct >= 1 && lossPct <= 99)) {
        throw new Error(`the loss is a whole percent from 1 to 99, not ${lossPct} (100% is a partition: lab partition)`);
    }
    if (rateKBps !== undefined && !(Number.isInteger(rateKBps) && rateKBps >= 1)) throw new Error(`the rate is whole kilobytes per second, not ${rateKBps}`);
    const links = flows(a, b, oneWay, { what: "a degraded link", sides: "both ends of a degraded link" }).map((l) => ({ ...l, lossPct, rateKBps }));
    return renderFile(LINKS_TEMPLATE, { stack, table: linksTable(stack), links, heal: false });
}
