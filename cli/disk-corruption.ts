// Silent data corruption (bit rot) from the host: the first bytes of a file on a running
// node's root disk overwritten in QEMU's block layer (HMP qemu-io on the disk's own device),
// under the guest, which is not told. ext4 does not checksum file data: the guest reads the
// new bytes once its page cache no longer holds the old ones, as from a disk that rotted.
// Nothing heals it; a checkpoint restore takes it back.
import * as fs from "node:fs";
import * as path from "node:path";
import { qmp } from "./qmp";
import { CliError } from "./stack";
import type { Virsh } from "./virsh";

export const EXTENT_SCRIPT = fs.readFileSync(path.join(__dirname, "file-extent.sh"), "utf8");
/** The byte the corrupted range is filled with. */
export const PATTERN = 0x5a;

/** Where on the disk (bytes from its start) a file's first `bytes` bytes lie, from what cli/file-extent.sh printed. */
export function fileExtent(out: string, file: string, bytes: number): { disk: string; offset: number; length: number } {
    const value = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(out)?.[1]?.trim() ?? "";
    const fstype = value("fstype");
    if (!/^ext[234]$|^xfs$|^btrfs$/.test(fstype) || !value("source").startsWith("/dev/")) {
        throw new CliError(`${file} is on ${value("source") || "?"} (${fstype || "?"}), not on the node's disk: choose a file under / (e.g. /var/tmp)`);
    }
    const blockSize = Number(/\((?:\d+) blocks? of (\d+) bytes\)/.exec(out)?.[1]);
    const size = Number(/ is (\d+) \(/.exec(out)?.[1]);
    // filefrag -v: " ext: logical_offset: physical_offset: length: ..."; the extent of logical block 0.
    const first = /^\s*\d+:\s+0\.\.\s*\d+:\s+(\d+)\.\.\s*\d+:\s+(\d+):/m.exec(out);
    if (!blockSize || !first) throw new CliError(`${file} has no data on the disk yet (an empty or inline file): write some first`);
    if (!(size > 0)) throw new CliError(`${file} is empty: nothing to corrupt`);
    const length = Math.min(bytes, size, Number(first[2]) * blockSize);
    return { disk: value("disk"), offset: Number(value("start")) * 512 + Number(first[1]) * blockSize, length };
}

interface QmpBlock { qdev?: string; inserted?: { ro: boolean } }

/** The QOM path of the device of the domain's first writable disk (its root disk; the seed is read-only). */
export function rootDevice(blocks: QmpBlock[]): string {
    const device = blocks.find((b) => b.inserted && !b.inserted.ro)?.qdev;
    if (!device) throw new CliError("the node has no writable disk");
    return device;
}

/** The HMP command line that fills `length` bytes at `offset` of the device's disk with the pattern. */
export function corruptCommand(device: string, offset: number, length: number): string {
    return `qemu-io -d ${device} "write -P 0x${PATTERN.toString(16)} ${offset} ${length}"`;
}

/**
 * Overwrites `length` bytes at `offset` of the running domain's root disk, through its own
 * device. QEMU 7.2's qemu-io answers nothing on the monitor when it wrote (its "wrote N/N
 * bytes" goes to QEMU's own output), and its reason when it did not.
 */
export function corruptDisk(virsh: Virsh, domain: string, offset: number, length: number): void {
    const device = rootDevice(qmp<QmpBlock[]>(virsh, domain, { execute: "query-block" }));
    const said = qmp<string>(virsh, domain, { execute: "human-monitor-command", arguments: { "command-line": corruptCommand(device, offset, length) } });
    if (said.trim() !== "" && !/^wrote \d+\/\d+ bytes/m.test(said)) throw new CliError(`${domain}: qemu-io did not write: ${said.trim()}`);
}

/** What `lab corrupt N FILE` did: which file, where on which disk, how many bytes. */
export interface Corrupted { file: string; disk: string; offset: number; length: number }

/**
 * The first `bytes` bytes of `file` on the node's root disk overwritten from the host. `locate`
 * runs cli/file-extent.sh on the node (over SSH) with the file as its argument.
 */
export async function corruptFile(virsh: Virsh, domain: string, file: string, bytes: number,
    locate: (script: string, file: string) => Promise<{ code: number; stdout: string; stderr: string }>): Promise<Corrupted> {
    if (!path.isAbsolute(file)) throw new CliError(`${file}: give the file's absolute path on the node`);
    if (!(bytes > 0)) throw new CliError(`--bytes ${bytes}: give a positive number of bytes`);
    const found = await locate(EXTENT_SCRIPT, file);
    if (found.code !== 0) throw new CliError(`${file}: ${(found.stderr || found.stdout).trim()}`);
    const { disk, offset, length } = fileExtent(found.stdout, file, bytes);
    corruptDisk(virsh, domain, offset, length);
    return { file, disk, offset, length };
}

export function corruptedMessage(name: string, c: Corrupted): string {
    return `${name}: ${c.length} bytes of ${c.file} overwritten with 0x${PATTERN.toString(16)} on its disk (${c.disk}, byte ${c.offset}), `
        + "under the guest; it reads them once its page cache drops the file (or after echo 3 > /proc/sys/vm/drop_caches). A checkpoint restore takes them back";
}
