// Placement: which libvirt host each node lives on. Pure.
// The stack's own libvirtUri and nodeCidr are its main host. The `hosts` key adds others,
// each a libvirt daemon with a network range of its own and the nodes placed there; a node
// no other host claims lives on the main host. Placement never depends on the order hosts
// are written in, and a node stays where it is when hosts or nodes are added (see placeNodes).
import { Cidr, cidrsOverlap, nodeCapacity, parseCidr } from "./cidr";
import { ConfigProblem, structured } from "./config-reader";
import { closest } from "./did-you-mean";

/** The host at the stack's own libvirtUri and nodeCidr. */
export const MAIN_HOST = "main";
/** A libvirt connection URI, e.g. qemu:///system or qemu+ssh://root@lab2/system. */
export const URI = /^[a-z][a-z0-9+]*:\/\/[^\s]*$/;
const HOST_NAME = /^[a-z][a-z0-9-]{0,15}$/;
const HOST_KEYS = ["libvirtUri", "nodeCidr", "nodes"];
const EXAMPLE = "--path 'hosts.lab2.libvirtUri' qemu+ssh://root@lab2/system";

export interface HostPlacement {
    name: string;
    libvirtUri: string;
    nodeCidr: Cidr;
    /** Node numbers, ascending. */
    nodes: number[];
}

/** What placement needs from the rest of the config. */
export interface PlacementInput {
    libvirtUri: string;
    /** The main host's range; undefined when invalid (reported elsewhere). */
    nodeCidr?: Cidr;
    nodeCount: number;
    /** The raw `hosts` value: a mapping of host name to settings, or its JSON text. */
    hosts: unknown;
    /** Ranges a host's nodeCidr must not overlap (wireguardCidr, podCidr, ...), by key. */
    reserved: Record<string, Cidr | undefined>;
}

interface ExtraHost {
    name: string;
    libvirtUri?: string;
    nodeCidr?: Cidr;
    nodes?: number[] | number;
}

const problem = (key: string, value: unknown, text: string, fix: string): ConfigProblem => ({ key, value, problem: text, fix });
const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const wholeNumber = (v: unknown): number | undefined => {
    const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
    return Number.isInteger(n) ? n : undefined;
};

function readHosts(raw: unknown, problems: ConfigProblem[]): Record<string, unknown> {
    const v = structured(raw, {});
    if (v === undefined || v === null) return {};
    if (!isRecord(v)) {
        problems.push(problem("hosts", raw, "must be a set of hosts by name, each with libvirtUri, nodeCidr and nodes",
            `pulumi config rm hosts && pulumi config set ${EXAMPLE}`));
        return {};
    }
    return v;
}

function readHost(name: string, v: unknown, problems: ConfigProblem[]): ExtraHost | undefined {
    const key = `hosts.${name}`;
    if (name === MAIN_HOST || !HOST_NAME.test(name)) {
        problems.push(problem(key, v, name === MAIN_HOST
            ? `names the main host, which is the stack's own libvirtUri and nodeCidr`
            : "is not a host name (a lower-case letter, then up to 15 letters, digits or dashes)",
        `pulumi config rm --path ${key} && pulumi config set --path 'hosts.lab2.libvirtUri' <uri>`));
        return undefined;
    }
    if (!isRecord(v)) {
        problems.push(problem(key, v, "must be a set of sub-keys (libvirtUri, nodeCidr, nodes)",
            `pulumi config rm --path ${key} && pulumi config set --path '${key}.libvirtUri' <uri>`));
        return undefined;
    }
    for (const sub of Object.keys(v).filter((k) => !HOST_KEYS.includes(k))) {
        const near = closest(sub, HOST_KEYS);
        problems.push(problem(`${key}.${sub}`, v[sub], `is not a setting of a host${near ? ` (did you mean ${near}?)` : ` (known: ${HOST_KEYS.join(", ")})`}`,
            near ? `pulumi config rm --path '${key}.${sub}' && pulumi config set --path '${key}.${near}' <value>` : `pulumi config rm --path '${key}.${sub}'`));
    }
    const host: ExtraHost = { name };
    if (typeof v.libvirtUri === "string" && URI.test(v.libvirtUri.trim())) host.libvirtUri = v.libvirtUri.trim();
    else {
        problems.push(problem(`${key}.libvirtUri`, v.libvirtUri, v.libvirtUri === undefined ? "is missing" : "is not a libvirt URI",
            `pulumi config set --path '${key}.libvirtUri' qemu+ssh://root@${name}/system`));
    }
    const cidr = typeof v.nodeCidr === "string" ? parseCidr(v.nodeCidr.trim()) : "is missing: each host's nodes need a range of their own";
    if (typeof cidr === "string") {
        problems.push(problem(`${key}.nodeCidr`, v.nodeCidr, cidr, `pulumi config set --path '${key}.nodeCidr' 10.77.1.0/24`));
    } else host.nodeCidr = cidr;
    const count = wholeNumber(v.nodes);
    const list = Array.isArray(v.nodes) ? v.nodes.map(wholeNumber) : undefined;
    if (count !== undefined && count >= 1) host.nodes = count;
    else if (list && list.length > 0 && list.every((n) => n !== undefined && n >= 1)) host.nodes = list as number[];
    else {
        problems.push(problem(`${key}.nodes`, v.nodes, "must be a number of nodes, or a list of node numbers",
            `pulumi config set --path '${key}.nodes[0]' 3 (node 3 on ${name}), or pulumi config set --path '${key}.nodes' 1`));
    }
    return host;
}

/**
 * Places every node 1..nodeCount on exactly one host; every problem is reported at once.
 * - A list places those nodes: it never changes unless the list does.
 * - A count places that many of the highest-numbered nodes no list places, hosts taken in
 *   name order: adding a host with a count together with as many new nodes places exactly
 *   the new ones. (Raising nodeCount alone would move them: grow with lists.)
 * - Every other node lives on the main host, so new nodes go there unless a host lists them.
 */
export function placeNodes(input: PlacementInput): { hosts: HostPlacement[]; problems: ConfigProblem[] } {
    const problems: ConfigProblem[] = [];
    const raw = readHosts(input.hosts, problems);
    const extras = Object.keys(raw).sort().map((name) => readHost(name, raw[name], problems)).filter((h): h is ExtraHost => !!h);

    const placedOn = new Map<number, string>();
    const nodesOf = new Map<string, number[]>(extras.map((h) => [h.name, []]));
    const place = (h: ExtraHost, n: number) => {
        placedOn.set(n, h.name);
        nodesOf.get(h.name)!.push(n);
    };
    for (const h of extras.filter((x) => Array.isArray(x.nodes))) {
        for (const n of h.nodes as number[]) {
            const other = placedOn.get(n);
            if (n > input.nodeCount) {
                problems.push(problem(`hosts.${h.name}.nodes`, h.nodes, `places node ${n}, beyond nodeCount (${input.nodeCount})`,
                    `pulumi config set nodeCount ${n}, or take ${n} out of hosts.${h.name}.nodes`));
            } else if (other !== undefined) {
                problems.push(problem(`hosts.${h.name}.nodes`, h.nodes, `places node ${n}, which hosts.${other}.nodes places too`,
                    `take ${n} out of one of the two lists`));
            } else place(h, n);
        }
    }
    for (const h of extras.filter((x) => typeof x.nodes === "number")) {
        const free = Array.from({ length: input.nodeCount }, (_, i) => i + 1).filter((n) => !placedOn.has(n));
        const want = h.nodes as number;
        if (want > free.length) {
            problems.push(problem(`hosts.${h.name}.nodes`, want, `asks for ${want} nodes, but only ${free.length} of nodeCount (${input.nodeCount}) are not placed elsewhere`,
                `pulumi config set nodeCount ${input.nodeCount + want - free.length}`));
        }
        for (const n of free.slice(Math.max(0, free.length - want))) place(h, n);
    }

    const main: HostPlacement | undefined = input.nodeCidr ? {
        name: MAIN_HOST,
        libvirtUri: input.libvirtUri,
        nodeCidr: input.nodeCidr,
        nodes: Array.from({ length: input.nodeCount }, (_, i) => i + 1).filter((n) => !placedOn.has(n)),
    } : undefined;
    const placed = extras
        .filter((h): h is ExtraHost & { libvirtUri: string; nodeCidr: Cidr } => !!h.libvirtUri && !!h.nodeCidr)
        .map((h): HostPlacement => ({ name: h.name, libvirtUri: h.libvirtUri, nodeCidr: h.nodeCidr, nodes: nodesOf.get(h.name)!.sort((a, b) => a - b) }));

    // Each host one daemon and one range of its own; every node's address inside its range.
    const seen: { key: string; host: HostPlacement }[] = main ? [{ key: "nodeCidr", host: main }] : [];
    for (const h of placed) {
        const key = `hosts.${h.name}`;
        const sameDaemon = [...(main ? [main] : []), ...placed.filter((o) => o.name < h.name)].find((o) => o.libvirtUri === h.libvirtUri);
        if (sameDaemon) {
            problems.push(problem(`${key}.libvirtUri`, h.libvirtUri, `is host ${sameDaemon.name}'s daemon too; a host is one libvirt daemon`,
                `give ${key} its own daemon's URI, or list its nodes on ${sameDaemon.name}`));
        }
        const taken = [
            ...seen.map((s) => ({ key: s.key, cidr: s.host.nodeCidr })),
            ...Object.entries(input.reserved).map(([k, cidr]) => ({ key: k, cidr })),
        ];
        for (const t of taken.filter((t) => t.cidr && cidrsOverlap(h.nodeCidr, t.cidr))) {
            problems.push(problem(`${key}.nodeCidr`, h.nodeCidr.text, `overlaps ${t.key} ${t.cidr!.text}; the hosts' networks are routed to each other`,
                `choose a separate range, e.g. pulumi config set --path '${key}.nodeCidr' 10.77.${seen.length}.0/24`));
        }
        seen.push({ key: `${key}.nodeCidr`, host: h });
        const highest = Math.max(0, ...h.nodes);
        if (highest > nodeCapacity(h.nodeCidr)) {
            problems.push(problem(`${key}.nodeCidr`, h.nodeCidr.text, `cannot hold node ${highest} (node N is at address N+9 of its host's range)`,
                `use a larger range, e.g. pulumi config set --path '${key}.nodeCidr' ${h.nodeCidr.address}/24`));
        }
    }
    return { hosts: main ? [main, ...placed] : placed, problems };
}

/** The host node `index` lives on. */
export function hostOf(hosts: HostPlacement[], index: number): HostPlacement {
    const h = hosts.find((x) => x.nodes.includes(index));
    if (!h) throw new RangeError(`node ${index} is placed on no host`);
    return h;
}
