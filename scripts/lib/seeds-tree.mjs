// seeds-tree.mjs DIR [SEEDS] < bareMetalSeeds.json: the seeds make usb puts on the medium, in
// DIR (private): each machine's of the stack's bareMetalSeeds output (config key
// bareMetalNodes), named by its MAC, and each of SEEDS (make usb SEEDS=...) beside them. Exits
// 3, writing nothing, when the stack has none (make usb then takes SEEDS as it is).
import * as fs from "node:fs";
import * as path from "node:path";

const [dir, own] = process.argv.slice(2);
const seeds = JSON.parse(fs.readFileSync(0, "utf8") || '""');
if (!seeds || typeof seeds !== "object") process.exit(3);
/** The machine a seed directory names, as the installer looks it up (scripts/installer.sh id_dir). */
const machine = (name) => (name.startsWith("serial-") ? name : name.toLowerCase().replaceAll(":", "-"));

fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
const fromStack = new Set();
for (const [mac, docs] of Object.entries(seeds)) {
    const seedDir = path.join(dir, mac);
    fs.mkdirSync(seedDir, { mode: 0o700 });
    for (const [file, key] of [["user-data", "userData"], ["meta-data", "metaData"], ["network-config", "networkConfig"]]) {
        fs.writeFileSync(path.join(seedDir, file), docs[key], { mode: 0o600 });
    }
    fromStack.add(machine(mac));
}
console.log(`==> seeds from the stack (bareMetalNodes) for ${fromStack.size} machine(s): ${Object.keys(seeds).join(", ")}`);
if (own) {
    if (!fs.statSync(own, { throwIfNoEntry: false })?.isDirectory()) {
        console.error(`error: SEEDS=${own} is not a directory (it holds a NoCloud seed per machine, in a directory named by its MAC address, uuid-<UUID> or serial-<serial>)`);
        process.exit(1);
    }
    for (const name of fs.readdirSync(own)) {
        if (fromStack.has(machine(name))) {
            console.error(`error: SEEDS=${own} has a seed for ${name}, which the stack's bareMetalNodes also gives one: remove ${path.join(own, name)}, or the MAC from bareMetalNodes`);
            process.exit(1);
        }
        fs.cpSync(path.join(own, name), path.join(dir, name), { recursive: true });
    }
}
