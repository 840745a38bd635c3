// Release artifacts from a built node image (the seed's create-usb-installer.sh), written to
// a directory (make usb's dist/):
//   clusteros-node.raw        the whole-disk image (GPT, GRUB for BIOS and UEFI): dd it onto
//                             a disk or USB stick and it boots
//   clusteros-node.raw.gz     the same, compressed (gzip: what every machine can unpack)
//   clusteros-installer.iso   hybrid installer: boots from a USB stick or as a CD/BMC virtual
//                             medium, on BIOS and UEFI, and installs the image unattended
//                             (images/installer/clusteros-install)
//   SHA256SUMS
//   netboot/                  the network install (netboot-tree.ts): the same installer and
//                             image as the ISO's; what a stack's provisioning network serves
// Options put more on the installer medium (and in netboot/): a NoCloud seed for every
// machine, a seed per machine (seeds.ts), install.conf, and the stack's network pre-seed
// (preseed.ts). A medium that carries a seed or a pre-seed holds secrets: the ISO is then mode
// 0600, and netboot/ 0700, readable besides only by the user libvirt's dnsmasq serves it as
// (an ACL for NETBOOT_READER, nobody by default: components/plan/netboot.ts says why).
// The medium carries the image zstd-compressed (MEDIUM_IMAGE), with a static decompressor
// (toolchain/unzstd) in its overlay, which also has the disk zero the image's empty space
// instead of copying it: under TCG, gunzip and dd in the initramfs spent 115 s of a 150 s
// install on the 3 GiB disk, unzstd 44 s of 78.
// The artifacts are keyed by everything that goes into them: an up-to-date directory is left alone.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../components/plan/paths";
import { LabError } from "../errors";
import { netModules } from "./net-modules";
import { netbootHttpProblem, netbootTree, privateTree } from "./netboot-tree";
import { Preseed, preseedTar } from "./preseed";
import { checkSeeds, copySeeds } from "./seeds";

/** The ISO's volume ID, which the installer finds its medium by. */
const LABEL = "CLUSTEROS_INSTALL";
/** The image as the medium carries it (images/installer/clusteros-install IMAGE). */
export const MEDIUM_IMAGE = "clusteros-node.raw.zst";
const RAW = ["clusteros-node.raw", "clusteros-node.raw.gz"];
const ISO = "clusteros-installer.iso";

export interface ReleaseOptions {
    /** A NoCloud seed (user-data, meta-data, network-config) for every machine. */
    seed?: string;
    /** A NoCloud seed per machine, each in a directory named by one of its IDs (seeds.ts). */
    seeds?: string;
    /** install.conf (target=, overwrite=, after=, on_error=, mode=). */
    config?: string;
    /** The stack's bareMetal output: the network pre-seed, written into the installed system. */
    preseed?: Preseed;
    /** netboot/ fetches over HTTP from HOST, HOST:PORT or :PORT; else over TFTP. */
    netbootHttp?: string;
    /** The user the provisioning network's dnsmasq reads the tree as. */
    netbootReader?: string;
    log?: (line: string) => void;
}

const defaultLog = (line: string) => process.stderr.write(`==> ${line}\n`);

/** Runs a tool; its error output, and `what`, in the error when it fails. */
function tool(cmd: string, args: string[], what: string, cwd?: string): string {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new LabError(`${(r.stderr ?? "").trim()}\n${what}`.trim());
    return r.stdout;
}

/** The installer's static unzstd (toolchain/unzstd), built once per source (scripts/lib/toolchain.sh). */
function unzstdBinary(): string {
    const script = '. "$0/scripts/lib/common.sh" && . "$0/scripts/lib/toolchain.sh" && lab_load_env && tc_unzstd >&2 && tc_unzstd_bin';
    return tool("bash", ["-c", script, PROJECT_ROOT], "the installer's unzstd (toolchain/unzstd) is missing").trim();
}

/** Every regular file under `dir`, relative, sorted. */
function filesUnder(dir: string): string[] {
    return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
}

/** The key of the artifacts: a hash of everything that goes into them. */
function stampOf(img: string, unzstd: string, o: ReleaseOptions): string {
    const h = createHash("sha256");
    const add = (label: string, data: string | Buffer) => { h.update(`${label}\0`); h.update(data); h.update("\0"); };
    add("image", fs.readFileSync(path.join(img, "SHA256SUMS")));
    for (const f of filesUnder(__dirname)) add(`code ${f}`, fs.readFileSync(path.join(__dirname, f)));
    add("unzstd", fs.readFileSync(unzstd));
    add("netboot", `${o.netbootHttp ?? ""} ${o.netbootReader ?? ""}`);
    const installer = path.join(PROJECT_ROOT, "images", "installer");
    for (const f of filesUnder(installer)) add(`installer ${f}`, fs.readFileSync(path.join(installer, f)));
    for (const [label, dir] of [["seed", o.seed], ["seeds", o.seeds]] as const) {
        if (dir) for (const f of filesUnder(dir)) add(`${label} ${f}`, fs.readFileSync(path.join(dir, f)));
    }
    if (o.config) add("config", fs.readFileSync(o.config));
    if (o.preseed) add("preseed", JSON.stringify(o.preseed));
    return h.digest("hex").slice(0, 16);
}

/** Refuses what cannot make artifacts, naming the fix, before anything is written. */
function check(img: string, o: ReleaseOptions): void {
    if (!fs.existsSync(path.join(img, "clusteros-node.qcow2"))) throw new LabError(`${img} has no clusteros-node.qcow2: build the image first (make up)`);
    if (!fs.existsSync(path.join(img, "boot", "vmlinuz")) || !fs.existsSync(path.join(img, "boot", "initrd.img"))) {
        throw new LabError(`${img} has no boot/vmlinuz and boot/initrd.img: it was built before images boot through firmware; make up rebuilds it`);
    }
    if (o.seed && !fs.existsSync(path.join(o.seed, "user-data"))) throw new LabError(`--seed ${o.seed}: no user-data there (a NoCloud seed has user-data and meta-data)`);
    if (o.seeds) checkSeeds(o.seeds);
    if (o.config && !fs.existsSync(o.config)) throw new LabError(`--config ${o.config} does not exist`);
    const http = netbootHttpProblem(o.netbootHttp);
    if (http) throw new LabError(http);
}

/**
 * The sha256sum line of each file of IMAGE_DIR.raw, by name: hashed once, into its own
 * SHA256SUMS, as the files never change. Hashing the 3 GiB raw image took 11 s of a core,
 * taken from the nodes running beside, on every make usb.
 */
function rawSums(cache: string): Map<string, string> {
    const file = path.join(cache, "SHA256SUMS");
    if (!fs.existsSync(file)) {
        const tmp = path.join(cache, `.sums.${process.pid}`);
        fs.writeFileSync(tmp, tool("sha256sum", [...RAW, MEDIUM_IMAGE], "sha256sum failed", cache), { mode: 0o444 });
        fs.renameSync(tmp, file);
    }
    return new Map(fs.readFileSync(file, "utf8").trim().split("\n").map((line) => [line.replace(/^\S+\s+\*?/, ""), `${line}\n`]));
}

/**
 * clusteros-node.raw, .raw.gz and .raw.zst of the image into `work`, and their sha256sum
 * lines. They are made once per image, in IMAGE_DIR.raw beside it (an image directory never
 * changes once built, its name being its content hash), read-only, and copied from there
 * (copies: a user may boot or write the dist/ ones).
 */
function rawImage(img: string, work: string, log: (line: string) => void): Map<string, string> {
    const cache = `${img}.raw`;
    if (!fs.existsSync(path.join(cache, "clusteros-node.raw.gz"))) {
        log("raw disk image");
        const tmp = fs.mkdtempSync(`${cache}.`);
        tool("qemu-img", ["convert", "-O", "raw", path.join(img, "clusteros-node.qcow2"), path.join(tmp, "clusteros-node.raw")], "qemu-img convert failed");
        tool("sh", ["-c", 'gzip -1 -c "$1" > "$2"', "sh", path.join(tmp, "clusteros-node.raw"), path.join(tmp, "clusteros-node.raw.gz")], "gzip failed");
        for (const f of RAW) fs.chmodSync(path.join(tmp, f), 0o444);
        // Another make usb may have made it meanwhile.
        try { fs.renameSync(tmp, cache); } catch { fs.rmSync(tmp, { recursive: true, force: true }); }
    }
    if (!fs.existsSync(path.join(cache, MEDIUM_IMAGE))) {
        const tmp = path.join(cache, `.zst.${process.pid}`);
        tool("zstd", ["-q", "-f", "-T0", "-3", path.join(cache, "clusteros-node.raw"), "-o", tmp], "zstd failed");
        fs.chmodSync(tmp, 0o444);
        fs.renameSync(tmp, path.join(cache, MEDIUM_IMAGE));
    }
    for (const f of [...RAW, MEDIUM_IMAGE]) {
        tool("cp", ["--sparse=always", path.join(cache, f), path.join(work, f)], `copying ${f} failed`);
        fs.chmodSync(path.join(work, f), 0o644);
    }
    return rawSums(cache);
}

/** The installer's overlay (the installer, unzstd, the network drivers) as the medium's installer.cpio. */
function installerCpio(work: string, unzstd: string, medium: string, log: (line: string) => void): void {
    const overlay = path.join(work, "overlay");
    fs.mkdirSync(path.join(overlay, "usr", "lib", "clusteros"), { recursive: true });
    fs.copyFileSync(path.join(PROJECT_ROOT, "images", "installer", "clusteros-install"), path.join(overlay, "clusteros-install"));
    fs.chmodSync(path.join(overlay, "clusteros-install"), 0o755);
    fs.copyFileSync(unzstd, path.join(overlay, "usr", "lib", "clusteros", "unzstd"));
    fs.chmodSync(path.join(overlay, "usr", "lib", "clusteros", "unzstd"), 0o755);
    log(netModules(path.join(work, "clusteros-node.raw"), path.join(overlay, "usr", "lib", "clusteros", "net")));
    tool("sh", ["-c", 'cd "$1" && find . | cpio --quiet -o -H newc -R 0:0 > "$2"', "sh", overlay, path.join(medium, "installer.cpio")], "cpio failed");
    fs.rmSync(overlay, { recursive: true, force: true });
}

/** Writes the release artifacts of the image in `img` (images/build.sh's directory) into `dist`. */
export function releaseArtifacts(img: string, dist: string, o: ReleaseOptions = {}): void {
    const log = o.log ?? defaultLog;
    const opts = { ...o, netbootReader: o.netbootReader ?? process.env.NETBOOT_READER ?? "nobody" };
    check(img, opts);
    const unzstd = unzstdBinary();
    const stamp = stampOf(img, unzstd, opts);
    const built = (() => { try { return fs.readFileSync(path.join(dist, ".image"), "utf8").trim(); } catch { return ""; } })();
    if (built === stamp && fs.existsSync(path.join(dist, "SHA256SUMS"))) {
        log(`installer artifacts in ${dist} are up to date`);
        return;
    }
    fs.mkdirSync(dist, { recursive: true });
    const work = fs.mkdtempSync(path.join(dist, ".build."));
    try {
        const sums = rawImage(img, work, log);
        log("hybrid BIOS/UEFI installer ISO");
        const iso = path.join(work, "iso");
        const medium = path.join(iso, "clusteros");
        fs.mkdirSync(path.join(iso, "boot", "grub"), { recursive: true });
        fs.mkdirSync(medium);
        fs.copyFileSync(path.join(PROJECT_ROOT, "images", "installer", "grub.cfg"), path.join(iso, "boot", "grub", "grub.cfg"));
        for (const f of ["vmlinuz", "initrd.img"]) fs.copyFileSync(path.join(img, "boot", f), path.join(medium, f));
        // The installer joins the image's own initramfs as a second archive (GRUB loads both),
        // with the network cards' drivers that one lacks.
        installerCpio(work, unzstd, medium, log);
        fs.renameSync(path.join(work, MEDIUM_IMAGE), path.join(medium, MEDIUM_IMAGE));
        fs.writeFileSync(path.join(medium, "SHA256SUMS"), sums.get(MEDIUM_IMAGE)!);
        if (opts.config) fs.copyFileSync(opts.config, path.join(medium, "install.conf"));
        if (opts.seed) {
            fs.mkdirSync(path.join(medium, "seed"));
            for (const f of fs.readdirSync(opts.seed)) {
                if (fs.statSync(path.join(opts.seed, f)).isFile()) fs.copyFileSync(path.join(opts.seed, f), path.join(medium, "seed", f));
            }
        }
        if (opts.seeds) {
            const n = copySeeds(opts.seeds, path.join(medium, "seeds"));
            log(`seeds for ${n} machines, by machine ID`);
        }
        if (opts.preseed) preseedTar(opts.preseed, path.join(work, "preseed"), path.join(medium, "preseed.tar"));
        const mkrescue = spawnSync("grub-mkrescue", ["--quiet", "-o", path.join(work, ISO), iso, "--", "-volid", LABEL], { encoding: "utf8" });
        if (mkrescue.status !== 0) {
            throw new LabError(`${mkrescue.stderr ?? ""}grub-mkrescue failed (make setup installs grub-pc-bin, grub-efi-amd64-bin, mtools, xorriso)`);
        }
        const secrets = Boolean(opts.seed || opts.seeds || opts.preseed);
        const net = netbootTree(work, medium, opts.netbootHttp);
        log(`network boot tree (TFTP and HTTP): ${path.basename(net)}/`);
        if (secrets) privateTree(net, opts.netbootReader);
        fs.rmSync(iso, { recursive: true, force: true });
        if (secrets) fs.chmodSync(path.join(work, ISO), 0o600);
        fs.writeFileSync(path.join(work, "SHA256SUMS"), [...RAW.map((f) => sums.get(f)!), tool("sha256sum", [ISO], "sha256sum failed", work)].join(""));
        fs.writeFileSync(path.join(work, ".image"), `${stamp}\n`);
        for (const f of [...RAW, ISO, "SHA256SUMS", "netboot"]) fs.rmSync(path.join(dist, f), { recursive: true, force: true });
        for (const f of [...RAW, ISO, "SHA256SUMS", "netboot", ".image"]) fs.renameSync(path.join(work, f), path.join(dist, f));
        log(`installer artifacts: ${dist}`);
    } finally {
        fs.rmSync(work, { recursive: true, force: true });
    }
}
