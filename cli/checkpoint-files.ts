// Checkpoints kept as files, for UEFI nodes where libvirt refuses internal snapshots of
// domains with pflash firmware (before 10.10: Debian 12 has 9.0, Ubuntu 24.04 10.0). With
// the cluster paused, each node is saved (`virsh save`: its memory and devices, the
// paused moment), its disk copied while it is stopped, and it is restored from that save,
// paused, to be resumed with the others. Both files are streamed through libvirt
// (vol-download, vol-upload) into this machine's state directory for the stack (0700: a
// node's memory holds its keys), so the stack's pool holds nothing extra between commands,
// the domain's definition never changes, and the files go with the stack's last node seed
// on `pulumi destroy` (components/providers/seed-iso.ts). A restore writes the disk back as
// a fresh volume of the same name and restores the save. What it does not bring back: the
// UEFI variable store (no libvirt call copies it), which the guest rarely writes after boot.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderFile } from "../components/plan/templates";
import { checkpointFiles, Manifest, parseManifest } from "./checkpoint-plan";
import { CliError, NodeInfo, StackInfo } from "./stack";
import { must, Virsh, virshFor } from "./virsh";

/** The path of the node's own disk (its first disk; the second is its seed). */
export function bootDisk(virsh: Virsh, domain: string): string | undefined {
    const xml = virsh("dumpxml", domain).out;
    const source = /<disk[^>]*device='disk'[\s\S]*?<source ([^>]*)\/?>/.exec(xml)?.[1] ?? "";
    const attr = (name: string) => new RegExp(`${name}='([^']*)'`).exec(source)?.[1];
    const file = attr("file");
    if (file) return file;
    const [pool, volume] = [attr("pool"), attr("volume")];
    return pool && volume ? virsh("vol-path", volume, "--pool", pool).out || undefined : undefined;
}

/** A node's disk, its pool, and where its save goes in that pool while a command runs. */
function where(virsh: Virsh, node: NodeInfo): { disk: string; pool: string; save: string } {
    const disk = bootDisk(virsh, node.domain);
    if (!disk) throw new CliError(`${node.domain} has no disk that libvirt knows as a volume`);
    const pool = must(virsh, `the pool of ${disk}`, "vol-pool", disk);
    return { disk, pool, save: path.join(path.dirname(disk), `${node.domain}.checkpoint.save`) };
}

const VOLUME = path.join(__dirname, "checkpoint-volume.xml.mustache");

/** A volume of `bytes` in `pool`, readable by root only, into which a file is then uploaded. */
function createVolume(virsh: Virsh, pool: string, name: string, bytes: number): void {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "clusteros-vol-")), "volume.xml");
    try {
        fs.writeFileSync(file, renderFile(VOLUME, { name, bytes }));
        must(virsh, `creating volume ${name}`, "vol-create", pool, file);
    } finally {
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
}

/** Uploads a local file as a new volume `name` of `pool` (an old one of that name goes first). */
function upload(virsh: Virsh, pool: string, volumePath: string, local: string): void {
    virsh("vol-delete", volumePath);
    createVolume(virsh, pool, path.basename(volumePath), fs.statSync(local).size);
    must(virsh, `writing ${volumePath}`, "vol-upload", "--sparse", volumePath, local);
}

/** The node, paused (as the whole cluster is), saved with its disk into `dir`, then restored paused. */
export function saveNode(info: StackInfo, node: NodeInfo, dir: string, manifest: string): void {
    const virsh = virshFor(info, node);
    const { disk, pool, save } = where(virsh, node);
    const files = checkpointFiles(dir);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    must(virsh, `saving ${node.domain}`, "save", node.domain, save, "--paused");
    try {
        must(virsh, `copying ${node.domain}'s disk`, "vol-download", "--sparse", disk, files.disk);
        must(virsh, "refreshing the pool", "pool-refresh", pool);
        must(virsh, `copying ${node.domain}'s memory`, "vol-download", "--sparse", save, files.memory);
        for (const f of [files.disk, files.memory]) fs.chmodSync(f, 0o600);
        fs.writeFileSync(files.manifest, manifest, { mode: 0o600 });
    } finally {
        must(virsh, `restoring ${node.domain}`, "restore", save, "--paused");
        virsh("vol-delete", save);
    }
}

/** The node back at the checkpoint in `dir`: stopped, its disk written back, restored from its save, paused. */
export function restoreNode(info: StackInfo, node: NodeInfo, dir: string): void {
    const virsh = virshFor(info, node);
    const { disk, pool, save } = where(virsh, node);
    const files = checkpointFiles(dir);
    if (virsh("domstate", node.domain).out !== "shut off") must(virsh, `stopping ${node.domain}`, "destroy", node.domain);
    upload(virsh, pool, disk, files.disk);
    upload(virsh, pool, save, files.memory);
    try {
        must(virsh, `restoring ${node.domain}`, "restore", save, "--paused");
    } finally {
        virsh("vol-delete", save);
        // libvirt learns the written disk's format (qcow2) again from its header.
        virsh("pool-refresh", pool);
    }
}

/** The manifest of a checkpoint kept in `dir`, if there is one. */
export function manifestIn(dir: string): Manifest | undefined {
    try {
        return parseManifest(fs.readFileSync(checkpointFiles(dir).manifest, "utf8"));
    } catch {
        return undefined;
    }
}

/** The checkpoints kept for a node: name, manifest, bytes of saved memory. */
export function keptCheckpoints(nodeDir: string): { name: string; manifest?: Manifest; vmStateBytes: number }[] {
    if (!fs.existsSync(nodeDir)) return [];
    return fs.readdirSync(nodeDir).map((name) => {
        const dir = path.join(nodeDir, name);
        const memory = checkpointFiles(dir).memory;
        return { name, manifest: manifestIn(dir), vmStateBytes: fs.existsSync(memory) ? fs.statSync(memory).size : 0 };
    });
}

/** Bytes the checkpoints kept for a node take on this machine. */
export function keptBytes(nodeDir: string): number {
    if (!fs.existsSync(nodeDir)) return 0;
    let total = 0;
    for (const name of fs.readdirSync(nodeDir)) {
        for (const f of Object.values(checkpointFiles(path.join(nodeDir, name)))) {
            if (fs.existsSync(f)) total += fs.statSync(f).blocks * 512;
        }
    }
    return total;
}
