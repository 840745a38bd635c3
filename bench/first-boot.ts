// Where a node's first boot goes, against a bare Debian guest booted the same way. Both
// numbers are systemd's own ("Startup finished": kernel + userspace, in the guest), so they
// compare the same span; the bench's P2 adds the wall time of `up`.
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnCollect } from "../components/exec/spawn";
import { cacheDir, PROJECT_ROOT } from "../components/plan/paths";
import { must, Virsh } from "../cli/virsh";
import type { LabCluster } from "../testing/lab-cluster";
import type { Results } from "./report";
import { rawBootSeconds } from "./raw-boot";

const BARE_XSL = path.join(PROJECT_ROOT, "bench", "bare-domain.xsl");

/** The total of systemd-analyze's "Startup finished in ... = TOTAL" line, in seconds. */
export function startupSeconds(text: string): string | undefined {
    const total = /^Startup finished in .* = (.*)$/m.exec(text)?.[1];
    if (total === undefined) return undefined;
    let t = 0;
    for (const word of total.trim().split(/\s+/)) {
        const m = /^([\d.]+)(min|ms|s)$/.exec(word);
        if (m) t += Number(m[1]) * (m[2] === "min" ? 60 : m[2] === "ms" ? 0.001 : 1);
    }
    return t.toFixed(1);
}

/** The four slowest units of `systemd-analyze blame`, as "unit time, ...". */
export function topUnits(blame: string): string {
    return blame.split("\n").filter((l) => l.trim()).slice(0, 4).map((l) => {
        const words = l.trim().split(/\s+/);
        return `${words.pop()} ${words.join(" ")}`;
    }).join(", ");
}

/** Node 1 from inside: systemd's startup time and the slowest units of its first boot. */
export async function firstBootProfile(c: LabCluster, r: Results): Promise<void> {
    const node = c.node(1);
    const time = await node.succeed("systemd-analyze time");
    r.boot_node_systemd = startupSeconds(time) ?? "n/a";
    r.boot_node_top = topUnits(await node.succeed("systemd-analyze blame"));
}

/** Runs a program in the guest through the QEMU guest agent; undefined when the agent does not answer. */
async function agentExec(virsh: Virsh, domain: string, program: string, ...args: string[]): Promise<{ code: number; out: string } | undefined> {
    const started = virsh("qemu-agent-command", domain,
        JSON.stringify({ execute: "guest-exec", arguments: { path: program, arg: args, "capture-output": true } }));
    if (!started.ok) return undefined;
    const pid = JSON.parse(started.out).return.pid;
    for (let i = 0; i < 300; i++) {
        const status = virsh("qemu-agent-command", domain, JSON.stringify({ execute: "guest-exec-status", arguments: { pid } }));
        if (!status.ok) return undefined;
        const r = JSON.parse(status.out).return;
        if (r.exited) return { code: r.exitcode ?? 1, out: Buffer.from(r["out-data"] ?? "", "base64").toString() };
        await new Promise((done) => setTimeout(done, 200));
    }
    return undefined;
}

/** The stack's base volume in its pool, and the image's cached disk that volume was made from (named by its content hash). */
function baseAndImage(virsh: Virsh, pool: string): { base: string; image: string } {
    const base = must(virsh, `volumes of ${pool}`, "vol-list", pool).split("\n").map((l) => l.trim().split(/\s+/)[0]).find((v) => v?.includes("-base-"));
    if (!base) throw new Error(`no base volume in pool ${pool}`);
    const hash = base.replace(/^.*-base-/, "").replace(/\.qcow2$/, "");
    const images = path.join(cacheDir(), "images");
    const dir = fs.readdirSync(images).find((d) => d.endsWith(`-${hash}`) && fs.statSync(path.join(images, d)).isDirectory());
    if (!dir) throw new Error(`no cached image for ${base} in ${images}`);
    return { base, image: path.join(images, dir, "clusteros-node.qcow2") };
}

/**
 * The image as `make usb` ships it (raw), booted with nothing given through SeaBIOS and
 * through OVMF: seconds to a login prompt (bench/raw-boot.ts).
 */
export async function rawDiskBoots(virsh: Virsh, pool: string, work: string, r: Results): Promise<void> {
    const raw = path.join(work, "clusteros-node.raw");
    try {
        const converted = await spawnCollect(["qemu-img", "convert", "-O", "raw", baseAndImage(virsh, pool).image, raw]);
        if (converted.code !== 0) throw new Error(`qemu-img convert: ${converted.stderr}`);
        r.boot_raw_bios = await rawBootSeconds(raw, "bios", work) ?? "n/a";
        r.boot_raw_uefi = await rawBootSeconds(raw, "uefi", work) ?? "n/a";
    } finally {
        fs.rmSync(raw, { force: true });
    }
}

/**
 * A copy of node 1's domain without identity or seed, on a fresh overlay of the same base
 * volume, booted as the node is (its firmware, the image's GRUB and kernel), timed until
 * systemd reports startup finished. The image, given no seed, keeps cloud-init off by itself
 * (boot_bare_cloudinit says whether it did). The guest, its volume and its variable store are
 * removed whatever happened, so the stack's pool can still be destroyed.
 */
export async function bareBoot(c: LabCluster, virsh: Virsh, pool: string, work: string, r: Results): Promise<void> {
    const node = c.node(1);
    const name = node.domain.replace(/-node-1$/, "-bare");
    const disk = `${name}.qcow2`;
    const nvram = `/var/lib/libvirt/qemu/nvram/${name}_VARS.fd`;
    try {
        const { base } = baseAndImage(virsh, pool);
        must(virsh, "the bare guest's overlay", "vol-create-as", pool, disk, "8G", "--format", "qcow2",
            "--backing-vol", base, "--backing-vol-format", "qcow2");
        const xml = await spawnCollect(["xsltproc", "--stringparam", "name", name, "--stringparam", "volume", disk,
            "--stringparam", "nvram", nvram, BARE_XSL, "-"], { input: must(virsh, "node 1's domain", "dumpxml", "--inactive", node.domain) });
        if (xml.code !== 0) throw new Error(`xsltproc: ${xml.stderr}`);
        const file = path.join(work, "bare.xml");
        fs.writeFileSync(file, xml.stdout);
        const t0 = Date.now();
        must(virsh, "the bare guest", "create", file);
        let out: string | undefined;
        for (let i = 0; i < 600 && out === undefined; i++) {
            const ran = await agentExec(virsh, name, "/usr/bin/systemd-analyze", "time");
            if (ran?.code === 0) out = ran.out;
            else await new Promise((done) => setTimeout(done, 1000));
        }
        r.boot_bare_wall = ((Date.now() - t0) / 1000).toFixed(1);
        r.boot_bare_systemd = startupSeconds(out ?? "") ?? "n/a";
        r.boot_bare_cloudinit = (await agentExec(virsh, name, "/usr/bin/systemctl", "is-active", "cloud-init.target"))?.out.trim() ?? "n/a";
    } finally {
        virsh("destroy", name);
        virsh("vol-delete", "--pool", pool, disk);
        fs.rmSync(nvram, { force: true });
    }
}
