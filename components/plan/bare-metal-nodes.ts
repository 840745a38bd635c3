// Machines installed from the stack's medium that join its agent-formed cluster as nodes
// (config key bareMetalNodes: MAC address -> node number). Each gets the identity a VM node of
// the same number would get, in a NoCloud seed named by its MAC, which make usb puts on the
// medium and in the network boot tree. Pure.
import { Cidr, nodeCapacity, wireguardCapacity } from "./cidr";
import { ConfigProblem, structured } from "./config-reader";

export const BARE_METAL_NODES = "bareMetalNodes";

/** One machine: its NIC's MAC (lower case) and the node number it joins as. */
export interface BareMetalNode {
    mac: string;
    index: number;
}

/** What the rule needs of the other keys. */
export interface BareMetalNodesContext {
    membership: string;
    nodeCount: number;
    /** The main host's nodeCidr and the mesh's range (undefined when they are themselves invalid). */
    nodeCidr?: Cidr;
    wireguardCidr?: Cidr;
    /** The MACs of the stack's VM nodes, by node number (1-based: index 0 is node 1). */
    vmMacs: string[];
}

const MAC = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
export const NO_SEEDS = `${BARE_METAL_NODES} is not set: no machine installed from this stack's medium joins its cluster (see docs/DEPLOYMENT.md)`;

const setting = (mac: string, index: number | string) => `pulumi config set --path '${BARE_METAL_NODES}.${mac}' ${index}`;

/** The first node number above the VMs not in `taken`. */
function freeIndex(taken: Set<number>, nodeCount: number): number {
    let i = nodeCount + 1;
    while (taken.has(i)) i++;
    return i;
}

/**
 * Reads bareMetalNodes (a JSON string from Pulumi, or an object), checked against the stack:
 * membership=agent, MAC addresses that are unicast and not a VM's, node numbers above the VMs'
 * that fit the node and mesh ranges, each number once.
 */
export function parseBareMetalNodes(raw: unknown, ctx: BareMetalNodesContext): { value: BareMetalNode[]; problems: ConfigProblem[] } {
    const problems: ConfigProblem[] = [];
    const add = (key: string, value: unknown, problem: string, fix: string) => problems.push({ key, value, problem, fix });
    const v = structured(raw, {});
    if (v === null || typeof v !== "object" || Array.isArray(v)) {
        add(BARE_METAL_NODES, Array.isArray(v) ? "(list)" : v, "must map each machine's MAC address to its node number",
            `pulumi config rm ${BARE_METAL_NODES} && ${setting("52:54:00:12:34:56", ctx.nodeCount + 1)}`);
        return { value: [], problems };
    }
    // `pulumi config set --path` stores a number; `--type string` (or a YAML edit) its digits.
    const entries = Object.entries(v as Record<string, unknown>).map(([key, n]) => [key, typeof n === "string" && /^\d+$/.test(n) ? Number(n) : n] as const);
    if (entries.length > 0 && ctx.membership !== "agent") {
        add(BARE_METAL_NODES, `{${Object.keys(v).join(", ")}}`,
            "needs membership=agent: with membership=lab the stack's membership step configures its own VMs over SSH, and an installed machine gets no membership",
            `pulumi config set membership agent, or pulumi config rm ${BARE_METAL_NODES}`);
        return { value: [], problems };
    }
    const capacity = Math.min(ctx.nodeCidr ? nodeCapacity(ctx.nodeCidr) : Infinity, ctx.wireguardCidr ? wireguardCapacity(ctx.wireguardCidr) : Infinity);
    // The number a fix suggests: the first above the VMs that no machine has.
    const next = freeIndex(new Set(entries.map(([, n]) => n).filter((n): n is number => typeof n === "number")), ctx.nodeCount);
    const byIndex = new Map<number, string>();
    const byMac = new Map<string, string>();
    const value: BareMetalNode[] = [];
    for (const [key, n] of entries) {
        const full = `${BARE_METAL_NODES}.${key}`;
        const mac = key.toLowerCase();
        if (!MAC.test(mac)) {
            add(full, n, "is not a MAC address (six hex pairs separated by colons)", `pulumi config rm --path '${full}' && ${setting("52:54:00:12:34:56", next)}`);
            continue;
        }
        if (parseInt(mac.slice(0, 2), 16) & 1) {
            add(full, n, "is a multicast MAC address, which no NIC has", `pulumi config rm --path '${full}' (use the MAC printed on the machine's NIC)`);
            continue;
        }
        if (byMac.has(mac)) {
            add(full, n, `names the same machine as ${BARE_METAL_NODES}.${byMac.get(mac)}`, `pulumi config rm --path '${full}'`);
            continue;
        }
        byMac.set(mac, key);
        const vm = ctx.vmMacs.indexOf(mac);
        if (vm >= 0) {
            add(full, n, `is the MAC address of the stack's VM node ${vm + 1}`, `pulumi config rm --path '${full}' (use the machine's own MAC address)`);
            continue;
        }
        if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 1) {
            add(full, n, "must be a node number (a whole number above nodeCount)", setting(key, next));
            continue;
        }
        if (n <= ctx.nodeCount) {
            add(full, n, `is node ${n}, one of the stack's VMs (nodeCount ${ctx.nodeCount}); a machine joins under a number of its own`, setting(key, next));
            continue;
        }
        if (n > capacity) {
            add(full, n, `does not fit the node and mesh ranges (nodeCidr, wireguardCidr): node numbers go up to ${capacity}`,
                `${setting(key, next)} (or a larger nodeCidr and wireguardCidr)`);
            continue;
        }
        const other = byIndex.get(n);
        if (other !== undefined) {
            add(full, n, `is also the node number of ${BARE_METAL_NODES}.${other}`, setting(key, next));
            continue;
        }
        byIndex.set(n, key);
        value.push({ mac, index: n });
    }
    return { value: problems.length > 0 ? [] : value.sort((a, b) => a.index - b.index), problems };
}
