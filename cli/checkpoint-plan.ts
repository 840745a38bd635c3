// Cluster checkpoints, the pure part: what a checkpoint records about the cluster's shape,
// where it is kept (the description of each node's libvirt snapshot, so a checkpoint lives
// and dies with the stack's domains), and why a restore is refused.
import { CliError } from "./stack";

/** What a node looked like when the checkpoint was taken. */
export interface NodeShape {
    domain: string;
    memoryKiB: number;
    vcpus: number;
}

/** The cluster's shape: a restore into anything else is refused. */
export interface ClusterShape {
    stack: string;
    imageHash: string;
    nodes: NodeShape[];
}

export interface Manifest extends ClusterShape {
    /** Marks our snapshots among any others a user made with virsh. */
    kind: "clusteros-lab-checkpoint";
    version: 1;
    name: string;
    createdAt: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkNames(name: string): string {
    if (!NAME.test(name)) {
        throw new CliError(`'${name}' is not a checkpoint name: use letters, digits, '.', '_' or '-' (at most 64, `
            + "starting with a letter or digit), for instance 'ready'");
    }
    return name;
}

export function manifestOf(name: string, shape: ClusterShape, createdAt: Date): Manifest {
    return { kind: "clusteros-lab-checkpoint", version: 1, name, createdAt: createdAt.toISOString(), ...shape };
}

/** The manifest kept in a snapshot's description; undefined for snapshots that are not ours. */
export function parseManifest(description: string): Manifest | undefined {
    try {
        const m = JSON.parse(description);
        return m && m.kind === "clusteros-lab-checkpoint" && m.version === 1 ? m as Manifest : undefined;
    } catch {
        return undefined;
    }
}

/** `virsh dominfo` text to a node's shape. */
export function parseDominfo(domain: string, text: string): NodeShape {
    const field = (label: string) => {
        const m = new RegExp(`^${label}:\\s+(\\d+)`, "m").exec(text);
        if (!m) throw new CliError(`virsh dominfo ${domain} has no '${label}' line`);
        return Number(m[1]);
    };
    return { domain, memoryKiB: field("Max memory"), vcpus: field("CPU\\(s\\)") };
}

/**
 * Why the checkpoint cannot be restored into the cluster as it is now, one line per problem;
 * empty when it can. `saved` holds the manifest found on each current node (undefined where
 * the node has no such checkpoint, for instance because it was created or replaced since).
 */
export function restoreProblems(name: string, current: ClusterShape, saved: (Manifest | undefined)[]): string[] {
    const problems: string[] = [];
    const found = saved.filter((m): m is Manifest => m !== undefined);
    if (found.length === 0) return [`stack '${current.stack}' has no checkpoint '${name}' (lab checkpoint list shows what it has)`];
    const reference = found[0];
    current.nodes.forEach((node, i) => {
        if (!saved[i]) problems.push(`${node.domain} has no snapshot '${name}': it was created or replaced after the checkpoint`);
        else if (saved[i]!.createdAt !== reference.createdAt) problems.push(`${node.domain}'s snapshot '${name}' belongs to another checkpoint`);
    });
    if (reference.nodes.length !== current.nodes.length) {
        problems.push(`the checkpoint has ${reference.nodes.length} nodes, the cluster now ${current.nodes.length}: `
            + `set nodeCount back to ${reference.nodes.length} and make up, or save a new checkpoint`);
    }
    if (reference.imageHash !== current.imageHash) {
        problems.push(`the checkpoint was taken on image ${reference.imageHash || "(prebuilt)"}, the nodes now use `
            + `${current.imageHash || "(prebuilt)"}`);
    }
    for (const node of current.nodes) {
        const then = reference.nodes.find((n) => n.domain === node.domain);
        if (!then) continue;
        if (then.memoryKiB !== node.memoryKiB) problems.push(`${node.domain} had ${then.memoryKiB} KiB of memory, now ${node.memoryKiB} KiB`);
        if (then.vcpus !== node.vcpus) problems.push(`${node.domain} had ${then.vcpus} vCPUs, now ${node.vcpus}`);
    }
    return problems;
}

export interface CheckpointRow {
    name: string;
    createdAt: string;
    nodes: number;
    /** Bytes of saved guest memory over all nodes (the disk state shares the node's qcow2). */
    memoryStateBytes: number;
}

/** One row per checkpoint from each node's snapshots (name, manifest, saved memory size). */
export function checkpointRows(perNode: { name: string; manifest?: Manifest; vmStateBytes: number }[][]): CheckpointRow[] {
    const rows = new Map<string, CheckpointRow>();
    for (const snapshots of perNode) {
        for (const s of snapshots) {
            if (!s.manifest) continue;
            const row = rows.get(s.name) ?? { name: s.name, createdAt: s.manifest.createdAt, nodes: 0, memoryStateBytes: 0 };
            row.nodes += 1;
            row.memoryStateBytes += s.vmStateBytes;
            rows.set(s.name, row);
        }
    }
    return [...rows.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

export function formatBytes(n: number): string {
    const units = ["B", "KiB", "MiB", "GiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** What `lab checkpoint list --json` prints: each checkpoint, and the node disks that hold them all. */
export function checkpointsJson(stack: string, rows: CheckpointRow[], nodeCount: number, diskBytes: number): string {
    return JSON.stringify({
        stack,
        checkpoints: rows.map((r) => ({ name: r.name, takenAt: r.createdAt, nodes: r.nodes, of: nodeCount, memoryStateBytes: r.memoryStateBytes })),
        nodeDiskBytes: diskBytes,
    }, null, 2);
}

/** libvirt reverts internal snapshots of domains with pflash (UEFI) firmware from this version on. */
export const UEFI_SNAPSHOTS_SINCE = [10, 10, 0];

/**
 * How a host's nodes are checkpointed: internal snapshots in their qcow2 disks, or, for a
 * UEFI (pflash) domain on a daemon older than UEFI_SNAPSHOTS_SINCE, which refuses those,
 * files (checkpoint-files.ts). From a node's domain XML and `virsh version`'s text.
 */
export function checkpointKind(domainXml: string, versionText: string): "snapshots" | "files" {
    if (!/<loader[^>]*type=.pflash/.test(domainXml)) return "snapshots";
    const m = /daemon:\s*(\d+)\.(\d+)\.(\d+)/.exec(versionText);
    const version = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
    const differs = version.findIndex((v, i) => v !== UEFI_SNAPSHOTS_SINCE[i]);
    return differs >= 0 && version[differs] < UEFI_SNAPSHOTS_SINCE[differs] ? "files" : "snapshots";
}

/** Where a node's file checkpoints are kept: beside the stack's seeds, which go on destroy. */
export function nodeCheckpointDir(stackSeedDir: string, domain: string): string {
    return `${stackSeedDir}/checkpoints/${domain}`;
}

/** The files of one checkpoint of one node. */
export function checkpointFiles(dir: string): { manifest: string; disk: string; memory: string } {
    return { manifest: `${dir}/manifest.json`, disk: `${dir}/disk.qcow2`, memory: `${dir}/memory.save` };
}
