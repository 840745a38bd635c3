// The seeds an installer medium carries, one per machine, each in a directory named by one of
// the machine's IDs: a MAC address (52:54:00:12:34:56 or 52-54-00-12-34-56), uuid-<system
// UUID> or serial-<serial number>. They come from two places: the stack's bareMetalSeeds
// output (config key bareMetalNodes, by MAC) and a directory the user gives (--seeds, make
// usb SEEDS=dir). The installer looks a machine's seed up by the medium's name for it
// (images/installer/clusteros-install).
import * as fs from "node:fs";
import * as path from "node:path";
import { LabError } from "../errors";

/** A seed of the stack's bareMetalSeeds output: cloud-init's three documents. */
export interface StackSeed {
    userData: string;
    metaData: string;
    networkConfig: string;
}

const ID = /^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$|^uuid-[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$|^serial-[A-Za-z0-9._-]+$/;

/** A directory's entries as a shell's `dir/*` lists them: sorted, no hidden ones. */
const entries = (dir: string) => fs.readdirSync(dir).filter((n) => !n.startsWith(".")).sort();

/** The medium's name of a machine's seed directory: a MAC or UUID in lower case with dashes, a serial number as it is. */
export function machineDir(id: string): string {
    return id.startsWith("serial-") ? id : id.toLowerCase().replace(/:/g, "-");
}

/** Refuses a seeds directory with anything but seed directories named by machine IDs. */
export function checkSeeds(dir: string): void {
    if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
        throw new LabError(`--seeds ${dir} is not a directory (it holds a NoCloud seed per machine, in a directory named by the machine's MAC address, uuid-<UUID> or serial-<serial>)`);
    }
    const ids = entries(dir);
    for (const id of ids) {
        if (!ID.test(id)) throw new LabError(`--seeds ${dir}: ${id} is not a machine ID (a MAC address 52:54:00:12:34:56, uuid-<system UUID> or serial-<serial number>)`);
        if (!fs.existsSync(path.join(dir, id, "user-data"))) throw new LabError(`--seeds ${dir}: ${id} has no user-data (a NoCloud seed has user-data and meta-data)`);
    }
    if (ids.length === 0) throw new LabError(`--seeds ${dir} is empty`);
}

/** Copies each machine's seed of `from` into `to`, under the medium's name for it; how many machines. */
export function copySeeds(from: string, to: string): number {
    const names = entries(from);
    for (const name of names) {
        const dest = path.join(to, machineDir(name));
        if (fs.existsSync(dest)) throw new LabError(`--seeds ${from}: two directories name the machine ${path.basename(dest)}`);
        fs.mkdirSync(dest, { recursive: true });
        for (const f of fs.readdirSync(path.join(from, name))) fs.copyFileSync(path.join(from, name, f), path.join(dest, f));
    }
    return names.length;
}

/**
 * Writes the stack's seeds (by MAC) into `dir`, private, and each of `own`'s beside them,
 * refusing one of `own` for a machine the stack also seeds. Says what it wrote.
 */
export function seedsTree(dir: string, seeds: Record<string, StackSeed>, own?: string): string {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fromStack = new Set<string>();
    for (const [mac, docs] of Object.entries(seeds)) {
        const seedDir = path.join(dir, mac);
        fs.mkdirSync(seedDir, { mode: 0o700 });
        for (const [file, key] of [["user-data", "userData"], ["meta-data", "metaData"], ["network-config", "networkConfig"]] as const) {
            fs.writeFileSync(path.join(seedDir, file), docs[key], { mode: 0o600 });
        }
        fromStack.add(machineDir(mac));
    }
    if (own) {
        if (!fs.statSync(own, { throwIfNoEntry: false })?.isDirectory()) {
            throw new LabError(`--seeds ${own} is not a directory (it holds a NoCloud seed per machine, in a directory named by its MAC address, uuid-<UUID> or serial-<serial>)`);
        }
        for (const name of fs.readdirSync(own)) {
            if (fromStack.has(machineDir(name))) {
                throw new LabError(`--seeds ${own} has a seed for ${name}, which the stack's bareMetalNodes also gives one: remove ${path.join(own, name)}, or the MAC from bareMetalNodes`);
            }
            fs.cpSync(path.join(own, name), path.join(dir, name), { recursive: true });
        }
    }
    return `seeds from the stack (bareMetalNodes) for ${fromStack.size} machine(s): ${Object.keys(seeds).join(", ")}`;
}
