// Fault injection for tests: a partition between groups of nodes (an nftables table of the
// stack's own, in the bridge family, where the daemon runs: the lab namespace in namespace
// mode, the host in host mode), and power faults through libvirt. The ruleset is planned
// here, purely; lab.ts applies it.
import * as path from "node:path";
import { MAIN_HOST } from "../components/plan/hosts";
import { renderFile } from "../components/plan/templates";
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
    const overlap = a.filter((n) => b.includes(n));
    if (overlap.length > 0) throw new Error(`${overlap.map((n) => n.name).join(", ")} cannot be on both sides of a partition`);
    // The ruleset is loaded where the main host's bridge forwards: it cannot cut another host's nodes.
    const elsewhere = [...a, ...b].filter((n) => n.host !== MAIN_HOST);
    if (elsewhere.length > 0) {
        throw new Error(`a partition acts on the main host's network; ${elsewhere.map((n) => `${n.name} is on host ${n.host}`).join(", ")}`);
    }
    const drops = a.flatMap((x) => b.flatMap((y) => [{ from: x.ip, to: y.ip }, ...(oneWay ? [] : [{ from: y.ip, to: x.ip }])]));
    return renderFile(TEMPLATE, { stack, table: faultTable(stack), drops, heal: false });
}

/** The ruleset that removes the stack's partition, if there is one. */
export function healRuleset(stack: string): string {
    return renderFile(TEMPLATE, { stack, table: faultTable(stack), heal: true });
}
