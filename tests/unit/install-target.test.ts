// How the installer picks its target disk and when it refuses, on a made-up /sys: the
// functions of images/installer/clusteros-install, run by a POSIX shell as on the medium
// (INSTALLER_SHELL=/path/to/busybox-as-sh runs them with the medium's own shell, busybox ash).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const INSTALLER = path.join(__dirname, "..", "..", "images", "installer", "clusteros-install");

interface Disk { removable?: boolean; readOnly?: boolean; sizeSectors?: number; partitions?: string[]; rotational?: boolean }

let sys: string;
beforeEach(() => { sys = fs.mkdtempSync(path.join(os.tmpdir(), "fake-sys-")); });
afterEach(() => fs.rmSync(sys, { recursive: true, force: true }));

function disks(spec: Record<string, Disk>): void {
    for (const [name, d] of Object.entries(spec)) {
        const dir = path.join(sys, "block", name);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "removable"), d.removable ? "1\n" : "0\n");
        fs.writeFileSync(path.join(dir, "ro"), d.readOnly ? "1\n" : "0\n");
        fs.writeFileSync(path.join(dir, "size"), `${d.sizeSectors ?? 41943040}\n`);
        for (const p of d.partitions ?? []) fs.mkdirSync(path.join(dir, p));
        fs.mkdirSync(path.join(dir, "queue"));
        fs.writeFileSync(path.join(dir, "queue", "rotational"), d.rotational ? "1\n" : "0\n");
    }
}

/** Runs a function of the installer; stdout and the exit status. */
function run(fn: string, opts: { medium?: string; cmdline?: string; conf?: string } = {}): { out: string; ok: boolean } {
    const conf = path.join(sys, "install.conf");
    if (opts.conf !== undefined) fs.writeFileSync(conf, opts.conf);
    const r = spawnSync(process.env.INSTALLER_SHELL ?? "sh", ["-c", `. "${INSTALLER}"; ${fn}`], {
        encoding: "utf8",
        env: { ...process.env, CLUSTEROS_INSTALL_TEST: "1", SYS: sys, MEDIUM_DISK: opts.medium ?? "", CMDLINE: opts.cmdline ?? "", CONF: conf },
    });
    return { out: r.stdout.trim(), ok: r.status === 0 };
}

describe("installer target disk", () => {
    it("takes the only fixed disk, never the medium, a removable disk, a CD or a loop device", () => {
        disks({ vda: {}, sda: { removable: true }, sdb: {}, sr0: {}, loop0: {} });
        expect(run("choose_target", { medium: "sdb" })).toEqual({ out: "vda", ok: true });
    });

    it("never takes a read-only disk, by a guess or by rules, and refuses one named", () => {
        disks({ vda: {}, vdb: { readOnly: true, sizeSectors: 1000 } });
        expect(run("choose_target")).toEqual({ out: "vda", ok: true });
        expect(run("choose_target", { cmdline: "clusteros.target=smallest" })).toEqual({ out: "vda", ok: true });
        const named = run("choose_target", { cmdline: "clusteros.target=vdb" });
        expect(named.ok).toBe(false);
        expect(named.out).toBe("the target 'vdb' is read-only (disks: vda )");
    });

    it("refuses when several fixed disks could be meant, naming them and the setting", () => {
        disks({ nvme0n1: {}, sda: {} });
        const r = run("choose_target");
        expect(r.ok).toBe(false);
        expect(r.out).toContain("the target is ambiguous: nvme0n1 sda");
        expect(r.out).toContain("clusteros.target=NAME");
    });

    it("refuses when there is no disk but the medium", () => {
        disks({ sda: {} });
        expect(run("choose_target", { medium: "sda" }).ok).toBe(false);
    });

    it("takes the disk the kernel command line names over install.conf, and install.conf over a guess", () => {
        disks({ nvme0n1: {}, sda: {} });
        expect(run("choose_target", { cmdline: "quiet clusteros.target=/dev/sda", conf: "target=nvme0n1\n" }).out).toBe("sda");
        expect(run("choose_target", { conf: "# where to install\ntarget = nvme0n1\n" }).out).toBe("nvme0n1");
    });

    it("refuses a named target that is not a disk here, or is the medium", () => {
        disks({ sda: {}, sdb: { removable: true } });
        expect(run("choose_target", { cmdline: "clusteros.target=sdz" })).toMatchObject({ ok: false });
        expect(run("choose_target", { cmdline: "clusteros.target=sdb", medium: "sdb" }).out).toContain("is the installer medium itself");
    });

    // A server's disks: two NVMe (1 TiB, 2 TiB), a SATA SSD (480 GiB) and a SATA disk (8 TiB),
    // a virtio disk, and the USB stick the installer booted from.
    const GIB = 2097152;
    const server = () => disks({
        nvme0n1: { sizeSectors: 1024 * GIB }, nvme1n1: { sizeSectors: 2048 * GIB }, sda: { sizeSectors: 480 * GIB },
        sdb: { sizeSectors: 8192 * GIB, rotational: true }, vda: { sizeSectors: 20 * GIB }, sdc: { removable: true, sizeSectors: 16 * GIB },
    });

    it("picks by rules: bus, kind and size filters, then smallest or largest; never the medium or a removable disk", () => {
        server();
        const pick = (target: string) => run("choose_target", { medium: "sdc", cmdline: `clusteros.target=${target}` });
        expect(pick("smallest")).toEqual({ out: "vda", ok: true });
        expect(pick("largest")).toEqual({ out: "sdb", ok: true });
        expect(pick("nvme,largest")).toEqual({ out: "nvme1n1", ok: true });
        expect(pick("nvme,smallest")).toEqual({ out: "nvme0n1", ok: true });
        expect(pick("ssd,largest")).toEqual({ out: "nvme1n1", ok: true });
        expect(pick("sata,ssd")).toEqual({ out: "sda", ok: true });
        expect(pick("scsi,hdd")).toEqual({ out: "sdb", ok: true });
        expect(pick("virtio")).toEqual({ out: "vda", ok: true });
        expect(pick("min:100G,max:1T,smallest")).toEqual({ out: "sda", ok: true });
        expect(pick("min:1500G,ssd")).toEqual({ out: "nvme1n1", ok: true });
    });

    it("refuses rules that leave no disk, or several without a pick, naming the rules and the disks", () => {
        server();
        const pick = (target: string) => run("choose_target", { medium: "sdc", cmdline: `clusteros.target=${target}` });
        const none = pick("min:10T");
        expect(none.ok).toBe(false);
        expect(none.out).toContain("no disk matches the target rules 'min:10T' (disks: nvme0n1 nvme1n1 sda sdb vda");
        expect(none.out).not.toContain("sdc");
        const several = pick("nvme");
        expect(several.ok).toBe(false);
        expect(several.out).toContain("the target rules 'nvme' leave several disks: nvme0n1 nvme1n1 (add smallest or largest");
    });

    it("takes a word that is not a rule as a disk's name, and a /dev/disk/by-id or by-path link as the disk it points to", () => {
        server();
        expect(run("choose_target", { cmdline: "clusteros.target=min:lots" }).out).toContain("the target 'min:lots' is not a disk here");
        const byId = path.join(sys, "by-id");
        fs.mkdirSync(byId);
        fs.symlinkSync(path.join(sys, "block", "nvme1n1"), path.join(byId, "nvme-Samsung_SSD_990_S6Z"));
        // disk_name follows /dev/... links; here the link lives under the fake root, as it would under /dev.
        expect(run(`disk_name ${path.join(byId, "nvme-Samsung_SSD_990_S6Z")}`).out).toBe("nvme1n1");
    });

    it("reads sizes as binary units", () => {
        expect(run("size_sectors 1K; size_sectors 500M; size_sectors 2G; size_sectors 1T").out.split("\n")).toEqual(["2", "1024000", "4194304", "2147483648"]);
        expect(run("size_sectors lots").ok).toBe(false);
        // Not a size: refused, never an arithmetic error.
        for (const bad of ["G", "5KG", "1.5T", "-3G"]) expect(run(`size_sectors ${bad}`), bad).toMatchObject({ ok: false, out: "" });
        expect(run("size_sectors 08G").out).toBe("16777216");
        expect(run("choose_target", { cmdline: "clusteros.target=min:G" }).out).toContain("is not a disk here");
    });

    it("sees the partitions a disk already holds, and nothing on a blank one", () => {
        disks({ vda: { partitions: ["vda1", "vda2"] }, nvme0n1: { partitions: ["nvme0n1p1"] }, vdb: {} });
        expect(run("disk_contents vda").out).toBe("partitions: vda1 vda2");
        expect(run("disk_contents nvme0n1").out).toBe("partitions: nvme0n1p1");
        expect(run("disk_contents vdb").out).toBe("");
    });

    it("reads settings from the kernel command line first, then install.conf, then the default", () => {
        expect(run("setting after poweroff", { cmdline: "clusteros.after=reboot", conf: "after=shell\n" }).out).toBe("reboot");
        expect(run("setting after poweroff", { conf: 'after="reboot"\n' }).out).toBe("reboot");
        expect(run("setting overwrite no").out).toBe("no");
    });
});

describe("installer seed per machine", () => {
    /** A medium under the fake /sys's directory, with seeds/<id>/ for each ID given and seed/ when asked. */
    function medium(macs: string[], shared = false): string {
        const dir = path.join(sys, "medium");
        for (const m of macs) fs.mkdirSync(path.join(dir, "clusteros", "seeds", m), { recursive: true });
        if (shared) fs.mkdirSync(path.join(dir, "clusteros", "seed"), { recursive: true });
        return dir;
    }
    function nics(spec: Record<string, string>): void {
        for (const [name, mac] of Object.entries(spec)) {
            fs.mkdirSync(path.join(sys, "class", "net", name), { recursive: true });
            fs.writeFileSync(path.join(sys, "class", "net", name, "address"), `${mac}\n`);
        }
    }
    const seedOf = () => {
        const r = spawnSync(process.env.INSTALLER_SHELL ?? "sh", ["-c", `. "${INSTALLER}"; machine_seed`], {
            encoding: "utf8", env: { ...process.env, CLUSTEROS_INSTALL_TEST: "1", SYS: sys, MEDIUM_DIR: path.join(sys, "medium") },
        });
        return { out: r.stdout.trim().replace(path.join(sys, "medium", "clusteros") + "/", ""), ok: r.status === 0 };
    };

    it("takes the seed under one of the machine's MAC addresses (any interface, written in lower case with dashes)", () => {
        nics({ lo: "00:00:00:00:00:00", eno1: "52:54:00:AA:00:01", eno2: "52:54:00:aa:00:02" });
        medium(["52-54-00-aa-00-02", "52-54-00-aa-00-09"], true);
        expect(seedOf()).toEqual({ out: "seeds/52-54-00-aa-00-02", ok: true });
    });

    it("without a network driver, takes the seed under the firmware's system UUID or serial number", () => {
        nics({ lo: "00:00:00:00:00:00" });
        const dmi = path.join(sys, "class", "dmi", "id");
        fs.mkdirSync(dmi, { recursive: true });
        fs.writeFileSync(path.join(dmi, "product_uuid"), "4C4C4544-0042-3510-8051-B4C04F393432\n");
        fs.writeFileSync(path.join(dmi, "product_serial"), "rack7-u12\n");
        medium(["serial-rack7-u12"]);
        expect(seedOf()).toEqual({ out: "seeds/serial-rack7-u12", ok: true });
        medium(["uuid-4c4c4544-0042-3510-8051-b4c04f393432"]);
        expect(seedOf()).toEqual({ out: "seeds/uuid-4c4c4544-0042-3510-8051-b4c04f393432", ok: true });
    });

    it("falls back to the medium's one seed for every machine, and fails when there is neither", () => {
        nics({ eno1: "52:54:00:aa:00:01" });
        medium(["52-54-00-aa-00-09"], true);
        expect(seedOf()).toEqual({ out: "seed", ok: true });
        fs.rmSync(path.join(sys, "medium", "clusteros", "seed"), { recursive: true });
        expect(seedOf().ok).toBe(false);
    });
});
