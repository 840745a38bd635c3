// The drivers of common network cards, and the modules they need, copied from the whole-disk
// image into the installer's overlay, with a file `load-order` naming them in the order they
// load (what each needs first). The installer loads them for a network install
// (images/installer/clusteros-install); the image's own initramfs boots from a disk and
// carries no network driver. The image's root file system (the GPT partition named
// clusteros-root) is read with debugfs at its offset: no mount, no root.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LabError } from "../errors";

/** The cards: QEMU's (virtio, e1000, e1000e) and the common server NICs' drivers. */
export const DRIVERS = ["virtio_net", "e1000", "e1000e", "igb", "igc", "ixgbe", "i40e", "ice", "tg3", "bnxt_en", "r8169", "mlx4_en", "mlx5_core"];

/** A module's name as the kernel knows it: dashes are underscores. */
export const moduleName = (name: string): string => name.replace(/-/g, "_");

/** The modules a .ko file depends on (its .modinfo's depends=, NUL-terminated strings). */
export function dependsOf(ko: Buffer): string[] {
    const text = ko.toString("latin1");
    const at = text.indexOf("\0depends=");
    if (at < 0) return [];
    const value = text.slice(at + "\0depends=".length, text.indexOf("\0", at + 1));
    return value.split(",").filter(Boolean).map(moduleName);
}

/**
 * The load order of `wanted` and everything they depend on: each module after its
 * dependencies, each once. `depends(name)` gives a module's dependencies, undefined for a
 * module the kernel does not have as a file (built in, or absent: left out).
 */
export function loadOrder(wanted: string[], depends: (name: string) => string[] | undefined): string[] {
    const order: string[] = [];
    const seen = new Set<string>();
    const visit = (name: string) => {
        if (seen.has(name)) return;
        seen.add(name);
        const deps = depends(name);
        if (deps === undefined) return;
        deps.forEach(visit);
        order.push(name);
    };
    wanted.map(moduleName).forEach(visit);
    return order;
}

/** Copies the drivers of the image `raw` into `dir` with their load order; says what it copied. */
export function netModules(raw: string, dir: string): string {
    const table = JSON.parse(execFileSync("sfdisk", ["-J", raw], { encoding: "utf8" })).partitiontable as
        { sectorsize?: number; partitions: { name?: string; start: number }[] };
    const root = table.partitions.find((p) => p.name === "clusteros-root");
    if (!root) throw new LabError(`${raw} has no partition named clusteros-root`);
    const fsAt = `${raw}?offset=${root.start * (table.sectorsize ?? 512)}`;
    const debugfs = (request: string) => execFileSync("debugfs", ["-R", request, fsAt], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const versions = debugfs("ls -p /usr/lib/modules").split("\n").map((l) => l.split("/")[5]).filter((v) => v && v !== "." && v !== "..");
    if (versions.length !== 1) throw new LabError(`${raw}: expected one kernel's modules in /usr/lib/modules, found ${versions.join(", ") || "none"}`);
    const tree = fs.mkdtempSync(path.join(os.tmpdir(), "clusteros-net-modules-"));
    try {
        debugfs(`rdump /usr/lib/modules/${versions[0]}/kernel ${tree}`);
        const files = new Map<string, string>();
        const walk = (d: string): void => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.name.endsWith(".ko")) files.set(moduleName(e.name.slice(0, -3)), p);
        });
        walk(tree);
        const order = loadOrder(DRIVERS, (name) => (files.has(name) ? dependsOf(fs.readFileSync(files.get(name)!)) : undefined));
        fs.mkdirSync(dir, { recursive: true });
        for (const name of order) fs.copyFileSync(files.get(name)!, path.join(dir, `${name}.ko`));
        fs.writeFileSync(path.join(dir, "load-order"), order.map((n) => `${n}.ko\n`).join(""));
        return `network drivers for the installer: ${order.length} modules of kernel ${versions[0]} (${DRIVERS.filter((d) => files.has(d)).join(", ")})`;
    } finally {
        fs.rmSync(tree, { recursive: true, force: true });
    }
}
