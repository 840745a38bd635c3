// A degraded link between two groups of nodes, from outside the guests, as `lab link` and the
// test API's degradeLink() make it: loss and a rate on the bridge (nftables, cli/faults.ts),
// delay, jitter, duplication, reordering and corruption by the frame relay in each sending
// node's QEMU (cli/link-relay.ts). heal undoes both.
import { linkRuleset, LinkFault } from "./faults";
import { relayNode } from "./link-relay";
import { loadRuleset } from "./nft";
import { RelayRule, relayed, relayPlan } from "./relay-rules";
import { CliError, NodeInfo, StackInfo } from "./stack";
import { virshFor } from "./virsh";

/** Degrades the link; the domains whose frames now go through a relay. */
export async function degradeLinks(info: StackInfo, a: NodeInfo[], b: NodeInfo[], fault: LinkFault, oneWay = false): Promise<string[]> {
    const bridge = fault.lossPct !== undefined || fault.rateKBps !== undefined;
    if (!bridge && !relayed(fault)) {
        throw new CliError("a degraded link needs a loss (percent), a rate (kilobytes per second), a delay, duplication, reordering or corruption");
    }
    let plan = new Map<string, RelayRule[]>();
    try {
        if (relayed(fault)) plan = relayPlan(a, b, fault, oneWay);
        if (bridge) await loadRuleset(linkRuleset(info.stack, a, b, fault, oneWay));
    } catch (e) {
        throw e instanceof CliError ? e : new CliError((e as Error).message);
    }
    for (const [domain, rules] of plan) {
        const node = info.nodes.find((n) => n.domain === domain)!;
        await relayNode(virshFor(info, node), domain, rules);
    }
    return [...plan.keys()];
}

/** What `lab link` says it did. */
export function degradedMessage(a: NodeInfo[], b: NodeInfo[], f: LinkFault, oneWay: boolean): string {
    const parts = [
        f.lossPct ? `${f.lossPct}% loss` : "",
        f.rateKBps ? `at most ${f.rateKBps} kB/s` : "",
        f.delayMs ? `${f.delayMs} ms delay${f.jitterMs ? ` ± ${f.jitterMs} ms` : ""}` : "",
        f.duplicatePct ? `${f.duplicatePct}% duplicated` : "",
        f.reorderPct ? `${f.reorderPct}% reordered` : "",
        f.corruptPct ? `${f.corruptPct}% corrupted` : "",
    ].filter(Boolean);
    return `degraded ${a.map((n) => n.name).join(",")} ${oneWay ? "->" : "<->"} ${b.map((n) => n.name).join(",")}: ${parts.join(", ")}`;
}
