// Cluster checkpoints: every node paused, snapshotted (memory and disk, internal to the
// node's qcow2, so the domain XML Pulumi knows never changes), then resumed; a restore
// reverts every node paused, resumes them together, sets the guest clocks, renews the
// WireGuard sessions and has every slurmd register with slurmctld. Checkpoints are libvirt
// snapshots of the stack's domains: they go away with the domains, on `pulumi destroy` (the
// provider undefines with their metadata).
// UEFI nodes on a libvirt older than 10.10, which refuses internal snapshots of pflash
// domains, are checkpointed as files instead (checkpoint-files.ts), with the same steps
// around them: the same moment for every node, the same checks before a restore.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { newTable } from "./table";
import { projectName } from "../components/program-dir";
import { libvirtPrefix } from "../components/plan/names";
import { seedDir } from "../components/plan/paths";
import { bootDisk, keptBytes, keptCheckpoints, manifestIn, restoreNode, saveNode } from "./checkpoint-files";
import {
    checkNames, checkpointKind, checkpointRows, checkpointsJson, ClusterShape, formatBytes, Manifest, manifestOf, nodeCheckpointDir,
    NodeShape, parseDominfo, parseManifest, restoreProblems,
} from "./checkpoint-plan";
import { CliError, NodeInfo, StackInfo } from "./stack";
import { inPlace } from "./place";
import { forgetConnections } from "./ssh";
import { agentRun, must, onEveryNode, Virsh, virshFor } from "./virsh";

const AFTER_RESTORE = fs.readFileSync(path.join(__dirname, "after-restore.sh"), "utf8");
const SLURM_REGISTER = fs.readFileSync(path.join(__dirname, "slurm-register.sh"), "utf8");

/** Seconds since a Date.now() moment, as the commands print them. */
export function secondsSince(started: number): string {
    return ((Date.now() - started) / 1000).toFixed(1);
}

function shapeOf(info: StackInfo): ClusterShape {
    const nodes: NodeShape[] = info.nodes.map((n) => {
        const r = virshFor(info, n)("dominfo", n.domain);
        if (!r.ok) throw new CliError(`${n.domain} is not defined (${r.err}): run make up STACK=${info.stack} first`);
        return parseDominfo(n.domain, r.out);
    });
    return { stack: info.stack, imageHash: info.imageHash, nodes };
}

function unescapeXml(s: string): string {
    return s.replace(/&quot;/g, "\"").replace(/&apos;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function manifestOn(virsh: Virsh, domain: string, name: string): Manifest | undefined {
    const r = virsh("snapshot-dumpxml", domain, name);
    if (!r.ok) return undefined;
    const m = /<description>([\s\S]*?)<\/description>/.exec(r.out);
    return m ? parseManifest(unescapeXml(m[1])) : undefined;
}

function snapshotNames(virsh: Virsh, domain: string): string[] {
    const r = virsh("snapshot-list", domain, "--name");
    return r.ok ? r.out.split("\n").map((s) => s.trim()).filter((s) => s !== "") : [];
}

/**
 * How the stack's nodes are checkpointed (checkpointKind): files when any host's daemon
 * refuses internal snapshots of its UEFI nodes. Each host is asked once, about the first of
 * its nodes (a stack's nodes share their firmware).
 */
function kindOf(info: StackInfo): "snapshots" | "files" {
    const firstOnEachHost = info.hosts.map((h) => info.nodes.find((n) => n.host === h.name)).filter((n): n is NodeInfo => n !== undefined);
    const kinds = firstOnEachHost.map((node) => {
        const virsh = virshFor(info, node);
        return checkpointKind(must(virsh, "reading the domain", "dumpxml", node.domain), must(virsh, "libvirt's version", "version"));
    });
    return kinds.includes("files") ? "files" : "snapshots";
}

/** Where a node's file checkpoints are kept on this machine (checkpoint-files.ts). */
function keptDir(info: StackInfo, node: NodeInfo): string {
    return nodeCheckpointDir(seedDir(libvirtPrefix(projectName(), info.stack)), node.domain);
}

/** Where one node's file checkpoint `name` is kept. */
function fileDir(info: StackInfo, node: NodeInfo, name: string): string {
    return path.join(keptDir(info, node), name);
}

/** The manifest of checkpoint `name` on each node, wherever it is kept. */
function savedManifests(info: StackInfo, name: string, kind: "snapshots" | "files"): (Manifest | undefined)[] {
    return info.nodes.map((n) => kind === "files" ? manifestIn(fileDir(info, n, name)) : manifestOn(virshFor(info, n), n.domain, name));
}

export function save(info: StackInfo, name: string, replace: boolean): number {
    checkNames(name);
    const kind = kindOf(info);
    const shape = shapeOf(info);
    const virsh = (n: NodeInfo) => virshFor(info, n);
    const exists = (n: NodeInfo) => kind === "files" ? fs.existsSync(fileDir(info, n, name)) : snapshotNames(virsh(n), n.domain).includes(name);
    const drop = (n: NodeInfo) => kind === "files"
        ? fs.rmSync(fileDir(info, n, name), { recursive: true, force: true })
        : virsh(n)("snapshot-delete", n.domain, name);
    for (const n of info.nodes) {
        const state = must(virsh(n), `state of ${n.domain}`, "domstate", n.domain);
        if (state !== "running") throw new CliError(`${n.domain} is ${state}: a checkpoint is taken of a running cluster (make up STACK=${info.stack})`);
        if (exists(n)) {
            if (!replace) throw new CliError(`stack '${info.stack}' already has a checkpoint '${name}': remove it first (lab checkpoint rm ${name}) or pass --replace`);
            drop(n);
        }
    }
    const manifest = JSON.stringify(manifestOf(name, shape, new Date()));
    forgetConnections(info.stack);
    const started = Date.now();
    const paused: NodeInfo[] = [];
    const taken: NodeInfo[] = [];
    try {
        // Every node stops at the same moment, so no node's snapshot sees another node
        // move on (SLURM and WireGuard state agree across the cluster).
        for (const n of info.nodes) {
            must(virsh(n), `pausing ${n.domain}`, "suspend", n.domain);
            paused.push(n);
        }
        for (const n of info.nodes) {
            if (kind === "files") saveNode(info, n, fileDir(info, n, name), manifest);
            else must(virsh(n), `snapshot of ${n.domain}`, "snapshot-create-as", n.domain, name, "--description", manifest, "--atomic");
            taken.push(n);
        }
    } catch (e) {
        for (const n of taken) drop(n);
        throw e;
    } finally {
        for (const n of paused) virsh(n)("resume", n.domain);
    }
    const pausedFor = secondsSince(started);
    // A node saved as files runs again from its save, on a new tap device, whose bridge port
    // takes a moment to forward: the checkpoint is done when every node answers again, as a
    // command right after it expects.
    if (kind === "files") awaitAnswers(info);
    const how = kind === "files" ? " (UEFI on this libvirt: saved as files, see lab checkpoint list)" : "";
    console.log(`checkpoint '${name}' of stack '${info.stack}': ${info.nodes.length} nodes, paused ${pausedFor} s${how}`);
    return 0;
}

/** Waits (at most 30 s) until every node answers a ping where the nodes are reached from; warns of those that do not. */
function awaitAnswers(info: StackInfo): void {
    const deadline = Date.now() + 30_000;
    let silent = info.nodes;
    const answers = (n: NodeInfo) => {
        const [program, ...args] = inPlace(["ping", "-c", "1", "-W", "1", n.ip]);
        return spawnSync(program, args, { stdio: "ignore" }).status === 0;
    };
    while (silent.length > 0 && Date.now() < deadline) silent = silent.filter((n) => !answers(n));
    for (const n of silent) console.error(`warning: ${n.name} (${n.ip}) does not answer pings 30 s after the checkpoint`);
}

/** What a step did, as a virsh Result: ok, or the error it threw. */
function attempt(step: () => void): { ok: boolean; err: string } {
    try {
        step();
        return { ok: true, err: "" };
    } catch (e) {
        return { ok: false, err: (e as Error).message };
    }
}

export interface Restored {
    /** When the restore began (ms since the epoch). */
    started: number;
    /** Seconds from then until every node was reverted and resumed. */
    resumedSeconds: number;
}

/** Reverts every node, resumes them together; then clocks, WireGuard sessions and SLURM's view of its nodes. */
export async function restore(info: StackInfo, name: string): Promise<Restored> {
    checkNames(name);
    const kind = kindOf(info);
    const shape = shapeOf(info);
    const saved = savedManifests(info, name, kind);
    const problems = restoreProblems(name, shape, saved);
    if (problems.length > 0) {
        throw new CliError(`checkpoint '${name}' cannot be restored, nothing was changed:\n  - ${problems.join("\n  - ")}`);
    }
    forgetConnections(info.stack);
    const started = Date.now();
    const reverted = kind === "files"
        ? info.nodes.map((n) => ({ domain: n.domain, ...attempt(() => restoreNode(info, n, fileDir(info, n, name))) }))
        : await onEveryNode(info, (d) => ["snapshot-revert", d, name, "--paused"]);
    const failed = reverted.filter((r) => !r.ok);
    if (failed.length > 0) {
        throw new CliError(`reverting to '${name}' failed (nodes stay paused where reverted; run the restore again):\n  - `
            + failed.map((r) => `${r.domain}: ${r.err}`).join("\n  - "));
    }
    for (const n of info.nodes) must(virshFor(info, n), `resuming ${n.domain}`, "resume", n.domain);
    const resumedSeconds = (Date.now() - started) / 1000;
    console.log(`every node reverted to '${name}' and resumed together after ${resumedSeconds.toFixed(1)} s`);
    // The guests' clocks stand where the checkpoint left them: the guest agent sets them.
    for (const r of await onEveryNode(info, (d) => ["domtime", d, "--now"])) {
        if (!r.ok) console.error(`warning: the clock of ${r.domain} was not set (${r.err}); is qemu-guest-agent running?`);
    }
    const clocked = secondsSince(started);
    await renewWireGuard(info);
    const renewed = secondsSince(started);
    await registerSlurmNodes(info);
    console.log(`stack '${info.stack}' is back at checkpoint '${name}' (${saved[0]!.createdAt}): clocks set at ${clocked} s, `
        + `WireGuard sessions renewed at ${renewed} s and SLURM's nodes registered at ${secondsSince(started)} s`);
    return { started, resumedSeconds };
}

/**
 * Every slurmd registers with slurmctld now (cli/slurm-register.sh, on the node that runs it),
 * so that the clock's jump does not leave slurmctld taking nodes for dead.
 */
function registerSlurmNodes(info: StackInfo): Promise<void> {
    return onEveryGuest(info, SLURM_REGISTER, "asking slurmd to register");
}

/** Runs a root script on every node at once through its guest agent; a node where it fails is warned about. */
async function onEveryGuest(info: StackInfo, script: string, what: string): Promise<void> {
    const ran = await Promise.all(info.nodes.map((n) => agentRun(info, n, script)));
    ran.forEach((r, i) => {
        if (!r.ok) console.error(`warning: ${info.nodes[i].name}: ${what} failed: ${r.err}`);
    });
}

/**
 * Every pair of nodes makes a fresh WireGuard handshake (cli/after-restore.sh): after a revert,
 * whose sessions carry old times, and after a clock fault, whose handshakes carried times the
 * peers now hold as the latest (WireGuard refuses an older one as a replay).
 */
export async function renewWireGuard(info: StackInfo, opts: { afterClockFault?: boolean } = {}): Promise<void> {
    await onEveryGuest(info, opts.afterClockFault ? `RENEW_ALL=1\n${AFTER_RESTORE}` : AFTER_RESTORE, "renewing WireGuard sessions");
}

export function remove(info: StackInfo, name: string): number {
    checkNames(name);
    let removed = 0;
    for (const n of info.nodes) {
        const virsh = virshFor(info, n);
        const dir = fileDir(info, n, name);
        if (manifestIn(dir)) {
            fs.rmSync(dir, { recursive: true, force: true });
            removed++;
        } else if (manifestOn(virsh, n.domain, name)) {
            must(virsh, `removing '${name}' of ${n.domain}`, "snapshot-delete", n.domain, name);
            removed++;
        }
    }
    if (removed === 0) throw new CliError(`stack '${info.stack}' has no checkpoint '${name}' (lab checkpoint list shows what it has)`);
    console.log(`checkpoint '${name}' removed from ${removed} nodes`);
    return 0;
}

/** Saved guest memory per snapshot, from the node disk's qcow2 header (when this user may read it). */
function vmStateSizes(disk: string | undefined): Map<string, number> {
    const sizes = new Map<string, number>();
    if (!disk) return sizes;
    const r = spawnSync("qemu-img", ["info", "-U", "--output=json", disk], { encoding: "utf8" });
    if (r.status !== 0) return sizes;
    for (const s of JSON.parse(r.stdout)["snapshots"] ?? []) sizes.set(s.name, Number(s["vm-state-size"] ?? 0));
    return sizes;
}

/** Bytes the node's disk file takes on the host: its own writes plus every checkpoint in it. */
function diskBytes(virsh: Virsh, disk: string | undefined): number {
    const allocated = disk ? /^Allocation:\s+(\d+)/m.exec(virsh("vol-info", "--bytes", disk).out) : null;
    return allocated ? Number(allocated[1]) : 0;
}

export function list(info: StackInfo, json = false): number {
    const virshes = info.nodes.map((n) => virshFor(info, n));
    const disks = info.nodes.map((n, i) => bootDisk(virshes[i], n.domain));
    const kept = info.nodes.map((n) => keptDir(info, n));
    const perNode = info.nodes.map((n, i) => {
        const sizes = vmStateSizes(disks[i]);
        return [...snapshotNames(virshes[i], n.domain).map((s) => ({
            name: s, manifest: manifestOn(virshes[i], n.domain, s), vmStateBytes: sizes.get(s) ?? 0,
        })), ...keptCheckpoints(kept[i])];
    });
    const rows = checkpointRows(perNode);
    const used = disks.reduce((sum, d, i) => sum + diskBytes(virshes[i], d), 0);
    const files = kept.reduce((sum, dir) => sum + keptBytes(dir), 0);
    if (json) {
        console.log(checkpointsJson(info.stack, rows, info.nodes.length, used));
        return 0;
    }
    if (rows.length === 0) {
        console.log(`stack '${info.stack}' has no checkpoints (lab checkpoint save NAME takes one)`);
        return 0;
    }
    const table = newTable(["checkpoint", "taken", "nodes", "saved memory"]);
    for (const r of rows) {
        table.push([r.name, r.createdAt, `${r.nodes}/${info.nodes.length}`, r.memoryStateBytes ? formatBytes(r.memoryStateBytes) : "-"]);
    }
    console.log(table.toString());
    const where = info.hosts.length > 1 ? `across ${info.hosts.length} hosts` : "on the host";
    console.log(`node disks, holding every checkpoint's disk and memory state: ${formatBytes(used)} ${where}`);
    if (files > 0) console.log(`checkpoints of UEFI nodes kept as files on this machine: ${formatBytes(files)} in ${path.dirname(kept[0])}`);
    return 0;
}
