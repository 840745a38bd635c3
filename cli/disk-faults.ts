// Disk faults from the host, in QEMU's block layer under a running node's root disk, through
// QMP (virsh qemu-monitor-command): nothing changes in the domain's definition, nothing runs in
// the guest. A filter node goes between the disk's format node (qcow2) and its file:
//  - full: the disk's file may not grow (a raw window of its present size over a second handle
//    on the same file). A write that needs a new cluster gets ENOSPC, and QEMU, by its default
//    werror=enospc, pauses the VM as a hypervisor does when its datastore is full.
//  - fail-reads, fail-writes, fail: reads, writes or both fail with EIO (blkdebug). The guest
//    sees I/O errors as from a failing disk: ext4 aborts its journal and remounts read-only.
// heal: the format node takes its own file back and the filter goes; a node QEMU paused for
// its full disk runs on, its pending write retried. A guest that saw I/O errors keeps what
// it made of them (a read-only root): restore a checkpoint or power it off and on.
import { qmp, qemuRuns } from "./qmp";
import { CliError } from "./stack";
import type { Virsh } from "./virsh";

export const DISK_FAULTS = ["full", "fail-reads", "fail-writes", "fail"] as const;
export type DiskFault = (typeof DISK_FAULTS)[number];
/** The filter's node name, and its file's for "full". */
export const FAULT_NODE = "clab-disk-fault";

/** What QMP says of the node's block graph, as far as a fault needs it. */
export interface RootDisk {
    /** The guest's disk: the writable format node a device uses. */
    format: { name: string; driver: string; readOnly: boolean; cache: { direct: boolean; "no-flush": boolean }; detectZeroes: string };
    /** Its children now: file (the storage node, or the fault's filter) and backing (or null). */
    file: string;
    backing: string | null;
    /** The disk's own storage node (a file), whatever the format node reads through now. */
    storage: { name: string; filename: string; size: number; cache: { direct: boolean; "no-flush": boolean } };
}

interface QmpBlock { inserted?: { "node-name": string; ro: boolean } }
interface QmpNode { "node-name": string; drv: string; ro: boolean; file: string; detect_zeroes: string;
    cache: { direct: boolean; "no-flush": boolean }; image: { "virtual-size": number } }
interface QmpGraph { nodes: { id: number; name: string }[]; edges: { parent: number; child: number; name: string }[] }

/** The first writable disk a device uses (a lab node's root disk; its seed is read-only), from QMP's answers. */
export function rootDisk(blocks: QmpBlock[], nodes: QmpNode[], graph: QmpGraph): RootDisk {
    const top = blocks.map((b) => b.inserted).find((i) => i && !i.ro);
    if (!top) throw new CliError("the node has no writable disk");
    const byName = new Map(nodes.map((n) => [n["node-name"], n]));
    const id = new Map(graph.nodes.map((n) => [n.name, n.id]));
    const nameOf = new Map(graph.nodes.map((n) => [n.id, n.name]));
    const child = (parent: string, edge: string) =>
        nameOf.get(graph.edges.find((e) => e.parent === id.get(parent) && e.name === edge)?.child ?? -1) ?? null;
    const format = byName.get(top["node-name"])!;
    const file = child(format["node-name"], "file");
    if (!file) throw new CliError(`disk ${format["node-name"]} has no file`);
    // Its own storage: the file node it reads through or, under a fault, the node of that file
    // that is not the fault's (blkdebug reads the disk's own as its image, full a second handle).
    const leaf = file === FAULT_NODE ? child(FAULT_NODE, "image") ?? child(FAULT_NODE, "file") : file;
    const filename = byName.get(leaf ?? "")?.file;
    const storage = nodes.find((n) => n.drv === "file" && n.file === filename && !n["node-name"].startsWith(FAULT_NODE));
    if (!storage) throw new CliError(`the storage of disk ${format["node-name"]} was not found`);
    return {
        format: { name: format["node-name"], driver: format.drv, readOnly: format.ro, cache: pickCache(format.cache), detectZeroes: format.detect_zeroes },
        file,
        backing: child(format["node-name"], "backing"),
        storage: { name: storage["node-name"], filename: storage.file, size: storage.image["virtual-size"], cache: pickCache(storage.cache) },
    };
}

const pickCache = (c: { direct: boolean; "no-flush": boolean }) => ({ direct: c.direct, "no-flush": c["no-flush"] });

/** Whether the disk reads through a fault now. */
export const faulted = (disk: RootDisk): boolean => disk.file === FAULT_NODE;

/** The format node's options with `file` as its file: what blockdev-reopen takes (what it omits would fall back to defaults). */
function reopen(disk: RootDisk, file: string): object {
    const f = disk.format;
    return { execute: "blockdev-reopen", arguments: { options: [{
        "node-name": f.name, driver: f.driver, "read-only": f.readOnly, cache: f.cache, "detect-zeroes": f.detectZeroes,
        file, backing: disk.backing,
    }] } };
}

/** The filter node for a fault. */
function filter(disk: RootDisk, fault: DiskFault): object {
    if (fault === "full") {
        return { driver: "raw", "node-name": FAULT_NODE, offset: 0, size: Math.floor(disk.storage.size / 512) * 512,
            // A second handle on the same file: the disk's own holds it unshared while it is in use.
            file: { driver: "file", "node-name": `${FAULT_NODE}-file`, filename: disk.storage.filename, locking: "off", cache: disk.storage.cache } };
    }
    // blkdebug arms a rule at its event: a data read (qcow2's read_aio), any write (pwritev).
    const rules = [
        ...(fault !== "fail-writes" ? [{ event: "read_aio", iotype: "read", errno: 5 }] : []),
        ...(fault !== "fail-reads" ? [{ event: "pwritev", iotype: "write", errno: 5 }] : []),
    ];
    return { driver: "blkdebug", "node-name": FAULT_NODE, image: disk.storage.name, "inject-error": rules };
}

/** QMP commands that put the fault under the disk. */
export function faultCommands(disk: RootDisk, fault: DiskFault): object[] {
    if (faulted(disk)) throw new CliError("the node's disk has a fault already: heal it first (lab disk N heal, or lab heal)");
    return [{ execute: "blockdev-add", arguments: filter(disk, fault) }, reopen(disk, FAULT_NODE)];
}

/** QMP commands that take the fault away again; none when there is none. */
export function healCommands(disk: RootDisk): object[] {
    if (!faulted(disk)) return [];
    return [reopen(disk, disk.storage.name), { execute: "blockdev-del", arguments: { "node-name": FAULT_NODE } }];
}

/** The domain's root disk as QEMU has it now. */
export function readRootDisk(virsh: Virsh, domain: string): RootDisk {
    return rootDisk(qmp<QmpBlock[]>(virsh, domain, { execute: "query-block" }),
        qmp<QmpNode[]>(virsh, domain, { execute: "query-named-block-nodes", arguments: { flat: true } }),
        qmp<QmpGraph>(virsh, domain, { execute: "x-debug-query-block-graph" }));
}

/** Puts the fault under the running domain's root disk. */
export function applyDiskFault(virsh: Virsh, domain: string, fault: DiskFault): void {
    if (!(DISK_FAULTS as readonly string[]).includes(fault)) throw new CliError(`no disk fault "${fault}": one of ${DISK_FAULTS.join(", ")}`);
    for (const command of faultCommands(readRootDisk(virsh, domain), fault)) qmp(virsh, domain, command);
}

export type Healed = "no fault" | "healed" | "powered off";

/**
 * Takes a disk fault away, if the running domain has one, and lets a domain QEMU paused for
 * an I/O error run on. QEMU flushes the disk before it switches back; when writes fail, that
 * flush can fail too (the disk's metadata cannot be written), and the only way left is the
 * one a failing disk leaves on a real machine: the domain is powered off, which ends its QEMU
 * and the fault with it ("powered off": power it on or restore a checkpoint).
 */
export function healDisk(virsh: Virsh, domain: string): Healed {
    if (!qemuRuns(virsh, domain)) return "no fault";
    const commands = healCommands(readRootDisk(virsh, domain));
    if (commands.length === 0) return "no fault";
    const [back, remove] = commands;
    try {
        qmp(virsh, domain, back);
    } catch (e) {
        if (!/Error flushing drive/.test((e as Error).message)) throw e;
        const off = virsh("destroy", domain);
        if (!off.ok) throw new CliError(`${domain}: its disk cannot be switched back (QEMU cannot flush it), nor could it be powered off: ${off.err}`);
        return "powered off";
    }
    qmp(virsh, domain, remove);
    if (pausedForIo(virsh, domain)) {
        const resumed = virsh("resume", domain);
        if (!resumed.ok) throw new CliError(`${domain}: resume after its disk fault: ${resumed.err}`);
    }
    return "healed";
}

/** What heal says of a node's disk; undefined when it had no fault. */
export function healedMessage(name: string, healed: Healed): string | undefined {
    if (healed === "healed") return `${name}'s disk is whole again`;
    if (healed === "powered off") return `${name}'s disk failed writes and could not be flushed, so it was powered off, which ends the fault: power it on or restore a checkpoint`;
    return undefined;
}

/** Paused by QEMU for an I/O error (a full disk, with werror=enospc), not by someone. */
export function pausedForIo(virsh: Virsh, domain: string): boolean {
    return virsh("domstate", "--reason", domain).out.trim() === "paused (I/O error)";
}
