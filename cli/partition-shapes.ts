// The standard shapes of a network partition (Jepsen's nemeses), planned purely: which pairs
// of node groups are cut, and what each node still sees. lab partition and the test API load
// them as one nftables ruleset (faults.ts), so a shape is one fault, healed by one heal.
//   isolate N  node N alone, the rest together;
//   minority   a random minority (floor((n-1)/2) nodes) cut off from the majority;
//   ring       every node sees a majority of the cluster (itself and its nearest neighbours
//              on a ring of the nodes), and no two nodes see the same majority: there is no
//              side to be on, which is what breaks protocols that assume one.

export type PartitionShape =
    | { kind: "isolate"; node: number }
    | { kind: "minority"; seed: number }
    | { kind: "ring" };

/** Groups a and b (node numbers, 1-based) cut off from each other, both ways. */
export interface Cut {
    a: number[];
    b: number[];
}

const numbers = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** The smallest majority of n nodes. */
export const majority = (n: number) => Math.floor(n / 2) + 1;

/** A deterministic shuffle (mulberry32), so a seed names the same minority every time. */
function shuffled(items: number[], seed: number): number[] {
    let s = seed >>> 0;
    const next = () => {
        s = (s + 0x6d2b79f5) >>> 0;
        let t = s;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
}

/** The cuts that make `shape` on a cluster of n nodes; throws, saying why, when n cannot have it. */
export function shapeCuts(shape: PartitionShape, n: number): Cut[] {
    const all = numbers(n);
    switch (shape.kind) {
        case "isolate": {
            if (!Number.isInteger(shape.node) || shape.node < 1 || shape.node > n) {
                throw new Error(`node '${shape.node}' is not one of 1..${n}`);
            }
            if (n < 2) throw new Error("isolating a node needs at least 2 nodes");
            return [{ a: [shape.node], b: all.filter((m) => m !== shape.node) }];
        }
        case "minority": {
            if (n < 3) throw new Error(`a minority and a majority need at least 3 nodes; the cluster has ${n}`);
            const order = shuffled(all, shape.seed);
            const minority = order.slice(0, n - majority(n)).sort((x, y) => x - y);
            return [{ a: minority, b: all.filter((m) => !minority.includes(m)) }];
        }
        case "ring": {
            // Each node keeps its k nearest neighbours on each side: 2k+1 nodes, the least
            // that is a majority. With fewer than 4 nodes that is everyone: nothing to cut.
            if (n < 4) throw new Error(`a ring partition needs at least 4 nodes (with ${n}, each node's majority is the whole cluster)`);
            const k = Math.ceil((majority(n) - 1) / 2);
            const distance = (x: number, y: number) => Math.min(Math.abs(x - y), n - Math.abs(x - y));
            const cuts: Cut[] = [];
            for (const x of all) for (const y of all) if (x < y && distance(x, y) > k) cuts.push({ a: [x], b: [y] });
            return cuts;
        }
    }
}

/** What each node still reaches (itself included) once `cuts` are in place: node number -> sorted node numbers. */
export function views(cuts: Cut[], n: number): Map<number, number[]> {
    const cut = (x: number, y: number) => cuts.some((c) => (c.a.includes(x) && c.b.includes(y)) || (c.a.includes(y) && c.b.includes(x)));
    return new Map(numbers(n).map((x) => [x, numbers(n).filter((y) => !cut(x, y))]));
}

/** `lab partition`'s line for a shape: who sees whom. */
export function describeViews(v: Map<number, number[]>): string {
    return [...v].map(([x, seen]) => `node ${x} sees ${seen.join(",")}`).join("; ");
}

/** `lab partition`'s shape options. */
export interface ShapeOptions {
    isolate?: string;
    minority?: boolean;
    seed?: string;
    ring?: boolean;
    oneWay?: boolean;
}

/**
 * The shape `lab partition` was asked for, or undefined for two explicit groups. A minority
 * without --seed gets a random one, which the command prints so the run can be repeated.
 */
export function shapeFromOptions(o: ShapeOptions, groups: number, randomSeed: () => number): PartitionShape | undefined {
    const asked = [o.isolate !== undefined, !!o.minority, !!o.ring].filter(Boolean).length;
    if (asked > 1) throw new Error("give one shape: --isolate N, --minority or --ring");
    if (o.seed !== undefined && !o.minority) throw new Error("--seed picks the minority of --minority; give both");
    if (asked === 1 && groups > 0) throw new Error("a shape partitions the whole cluster: give a shape or two groups, not both");
    if (asked === 1 && o.oneWay) throw new Error("--one-way is for two groups; a shape cuts both ways");
    if (asked === 0) {
        if (groups !== 2) throw new Error("lab partition needs two groups (e.g. 3 1,2) or a shape: --isolate N, --minority, --ring");
        return undefined;
    }
    if (o.isolate !== undefined) return { kind: "isolate", node: Number(o.isolate) };
    if (o.ring) return { kind: "ring" };
    const seed = o.seed === undefined ? randomSeed() : Number(o.seed);
    if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed takes a whole number, not '${o.seed}'`);
    return { kind: "minority", seed };
}
