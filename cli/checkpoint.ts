// Cluster checkpoints: every node paused, snapshotted (memory and disk, internal to the
// node's qcow2, so the domain XML Pulumi knows never changes), then resumed; a restore
// reverts every node paused, resumes them together, sets the guest clocks and renews the
// WireGuard sessions. Checkpoints are libvirt snapshots of the stack's domains: they go
// away with the domains, on `pulumi destroy` (the provider undefines with their metadata).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { newTable } from "./table";
import {
    checkNames, checkpointRows, checkpointsJson, ClusterShape, formatBytes, Manifest, manifestOf, NodeShape, parseDominfo,
    parseManifest, restoreProblems,
} from "./checkpoint-plan";
import { CliError, NodeInfo, StackInfo } from "./stack";
import { agentRun, must, onEveryNode, Virsh, virshFor } from "./virsh";

const AFTER_RESTORE = fs.readFileSync(path.join(__dirname, "after-restore.sh"), "utf8");
/** libvirt reverts internal snapshots of UEFI (pflash) domains from this version on. */
const UEFI_SNAPSHOTS_SINCE = [10, 10, 0];

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

/** Each host's daemon is asked once, about the first of its nodes (a stack's nodes share their firmware). */
function refuseUefiOnOldLibvirt(info: StackInfo): void {
    const firstOnEachHost = info.hosts.map((h) => info.nodes.find((n) => n.host === h.name)).filter((n): n is NodeInfo => n !== undefined);
    for (const node of firstOnEachHost) refuseUefiOnOldDaemon(node, virshFor(info, node));
}

function refuseUefiOnOldDaemon(node: NodeInfo, virsh: Virsh): void {
    const xml = must(virsh, "reading the domain", "dumpxml", node.domain);
    if (!/<loader[^>]*type=.pflash/.test(xml)) return;
    const m = /daemon:\s*(\d+)\.(\d+)\.(\d+)/.exec(must(virsh, "libvirt's version", "version"));
    const version = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
    const older = version.findIndex((v, i) => v !== UEFI_SNAPSHOTS_SINCE[i]);
    if (older >= 0 && version[older] < UEFI_SNAPSHOTS_SINCE[older]) {
        throw new CliError(`checkpoints of UEFI nodes need libvirt ${UEFI_SNAPSHOTS_SINCE.join(".")} or newer (host ${node.host}'s daemon is `
            + `${version.join(".")}: it refuses internal snapshots of domains with pflash firmware). Use a stack with `
            + "firmware: bios for checkpoints, or a newer libvirt");
    }
}

export function save(info: StackInfo, name: string, replace: boolean): number {
    checkNames(name);
    refuseUefiOnOldLibvirt(info);
    const shape = shapeOf(info);
    const virsh = (n: NodeInfo) => virshFor(info, n);
    for (const n of info.nodes) {
        const state = must(virsh(n), `state of ${n.domain}`, "domstate", n.domain);
        if (state !== "running") throw new CliError(`${n.domain} is ${state}: a checkpoint is taken of a running cluster (make up STACK=${info.stack})`);
        if (snapshotNames(virsh(n), n.domain).includes(name)) {
            if (!replace) throw new CliError(`stack '${info.stack}' already has a checkpoint '${name}': remove it first (lab checkpoint rm ${name}) or pass --replace`);
            must(virsh(n), `removing the old '${name}' of ${n.domain}`, "snapshot-delete", n.domain, name);
        }
    }
    const manifest = JSON.stringify(manifestOf(name, shape, new Date()));
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
            must(virsh(n), `snapshot of ${n.domain}`, "snapshot-create-as", n.domain, name, "--description", manifest, "--atomic");
            taken.push(n);
        }
    } catch (e) {
        for (const n of taken) virsh(n)("snapshot-delete", n.domain, name);
        throw e;
    } finally {
        for (const n of paused) virsh(n)("resume", n.domain);
    }
    console.log(`checkpoint '${name}' of stack '${info.stack}': ${info.nodes.length} nodes, paused ${secondsSince(started)} s`);
    return 0;
}

export interface Restored {
    /** When the restore began (ms since the epoch). */
    started: number;
    /** Seconds from then until every node was reverted and resumed. */
    resumedSeconds: number;
}

/** Reverts every node, resumes them together; then clocks and WireGuard sessions. */
export async function restore(info: StackInfo, name: string): Promise<Restored> {
    checkNames(name);
    const shape = shapeOf(info);
    const saved = info.nodes.map((n) => manifestOn(virshFor(info, n), n.domain, name));
    const problems = restoreProblems(name, shape, saved);
    if (problems.length > 0) {
        throw new CliError(`checkpoint '${name}' cannot be restored, nothing was changed:\n  - ${problems.join("\n  - ")}`);
    }
    const started = Date.now();
    const reverted = await onEveryNode(info, (d) => ["snapshot-revert", d, name, "--paused"]);
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
    await renewWireGuard(info);
    console.log(`stack '${info.stack}' is back at checkpoint '${name}' (${saved[0]!.createdAt}): clocks set and `
        + `WireGuard sessions renewed after ${secondsSince(started)} s`);
    return { started, resumedSeconds };
}

/**
 * Every pair of nodes makes a fresh WireGuard handshake (cli/after-restore.sh): after a revert,
 * whose sessions carry old times, and after a clock fault, whose handshakes carried times the
 * peers now hold as the latest (WireGuard refuses an older one as a replay).
 */
export async function renewWireGuard(info: StackInfo, opts: { afterClockFault?: boolean } = {}): Promise<void> {
    const script = opts.afterClockFault ? `RENEW_ALL=1\n${AFTER_RESTORE}` : AFTER_RESTORE;
    const renewed = await Promise.all(info.nodes.map((n) => agentRun(info, n, script)));
    renewed.forEach((r, i) => {
        if (!r.ok) console.error(`warning: ${info.nodes[i].name}: renewing WireGuard sessions failed: ${r.err}`);
    });
}

export function remove(info: StackInfo, name: string): number {
    checkNames(name);
    let removed = 0;
    for (const n of info.nodes) {
        const virsh = virshFor(info, n);
        if (!manifestOn(virsh, n.domain, name)) continue;
        must(virsh, `removing '${name}' of ${n.domain}`, "snapshot-delete", n.domain, name);
        removed++;
    }
    if (removed === 0) throw new CliError(`stack '${info.stack}' has no checkpoint '${name}' (lab checkpoint list shows what it has)`);
    console.log(`checkpoint '${name}' removed from ${removed} nodes`);
    return 0;
}

/** The path of the node's own disk (its first disk; the second is its seed). */
function bootDisk(virsh: Virsh, domain: string): string | undefined {
    const xml = virsh("dumpxml", domain).out;
    const source = /<disk[^>]*device='disk'[\s\S]*?<source ([^>]*)\/?>/.exec(xml)?.[1] ?? "";
    const attr = (name: string) => new RegExp(`${name}='([^']*)'`).exec(source)?.[1];
    const file = attr("file");
    if (file) return file;
    const [pool, volume] = [attr("pool"), attr("volume")];
    return pool && volume ? virsh("vol-path", volume, "--pool", pool).out || undefined : undefined;
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
    const perNode = info.nodes.map((n, i) => {
        const sizes = vmStateSizes(disks[i]);
        return snapshotNames(virshes[i], n.domain).map((s) => ({
            name: s, manifest: manifestOn(virshes[i], n.domain, s), vmStateBytes: sizes.get(s) ?? 0,
        }));
    });
    const rows = checkpointRows(perNode);
    const used = disks.reduce((sum, d, i) => sum + diskBytes(virshes[i], d), 0);
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
    return 0;
}
