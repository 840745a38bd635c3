// How the installer finds its own medium, on a made-up /sys with stand-ins for mount, blkid
// and udevadm: the functions of images/installer/clusteros-install, run by a POSIX shell.
// The medium is whichever device an ISO 9660 file system holding the image mounts from: a CD,
// a whole-disk USB stick (a hybrid ISO at offset 0, behind its own partition table), or a
// partition; and the disk it is on is never a target.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const INSTALLER = path.join(__dirname, "..", "..", "images", "installer", "clusteros-install");

interface Device {
    /** 512-byte sectors. */
    size: number;
    removable?: boolean;
    /** What blkid -p reports (export format), if anything. */
    blkid?: string;
    /** An ISO 9660 file system holding the image mounts from this device. */
    medium?: boolean;
    partitions?: Record<string, Omit<Device, "partitions" | "removable">>;
}

let root: string;
beforeEach(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), "fake-medium-")); });
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/** A /sys with block/<disk>/<partition> and class/block links to each, as the kernel has them; stand-in commands in bin/. */
function machine(devices: Record<string, Device>): void {
    const sys = path.join(root, "sys"), bin = path.join(root, "bin");
    fs.mkdirSync(path.join(sys, "class", "block"), { recursive: true });
    fs.mkdirSync(bin);
    const mediums: string[] = [], blkid: string[] = [];
    const add = (name: string, dir: string, d: Omit<Device, "partitions">, partition: boolean) => {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, "size"), `${d.size}\n`);
        if (!partition) fs.writeFileSync(path.join(dir, "removable"), d.removable ? "1\n" : "0\n");
        if (partition) fs.writeFileSync(path.join(dir, "partition"), "1\n");
        fs.symlinkSync(path.relative(path.join(sys, "class", "block"), dir), path.join(sys, "class", "block", name));
        if (d.medium) mediums.push(name);
        if (d.blkid) blkid.push(`/dev/${name}) printf '%s\\n' ${d.blkid.split("\n").map((l) => `'${l}'`).join(" ")} ;;`);
    };
    for (const [name, d] of Object.entries(devices)) {
        const dir = path.join(sys, "block", name);
        add(name, dir, d, false);
        for (const [p, pd] of Object.entries(d.partitions ?? {})) add(p, path.join(dir, p), pd, true);
    }
    const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    // mount -t iso9660 -o ro /dev/X DIR: succeeds, with the image in DIR, only for a medium device.
    stub("mount", `echo "$5" >> "${root}/mounts"
case " ${mediums.join(" ")} " in *" \${5#/dev/} "*) mkdir -p "$6/clusteros" && touch "$6/clusteros/clusteros-node.raw.zst" ;; *) exit 32 ;; esac`);
    stub("umount", `rm -rf "$1/clusteros"`);
    stub("blkid", `[ "$1" = -p ] || exit 2\ncase "$4" in ${blkid.join(" ")} *) exit 2 ;; esac`);
    stub("sleep", "exit 0");
    stub("udevadm", "exit 0");
}

/** Runs installer functions; stdout and the exit status. */
function run(fn: string): { out: string; ok: boolean } {
    const r = spawnSync("sh", ["-c", `. "${INSTALLER}"; ${fn}`], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${path.join(root, "bin")}:${process.env.PATH}`, CLUSTEROS_INSTALL_TEST: "1",
            SYS: path.join(root, "sys"), MEDIUM_DIR: path.join(root, "medium"), CMDLINE: "", CONF: "/nonexistent" },
    });
    return { out: r.stdout.trim(), ok: r.status === 0 };
}

const GIB = 2097152;
const HYBRID = "LABEL=CLUSTEROS_INSTALL\nTYPE=iso9660\nPTTYPE=dos";

describe("installer medium", () => {
    it("finds a USB stick holding the hybrid image as a whole disk, behind its partitions, and never takes the stick as the target", () => {
        // A stick and the target of the same size; the stick's partitions hold no ISO 9660 at their start.
        machine({
            vda: { size: 8 * GIB },
            sda: { size: 8 * GIB, removable: true, medium: true, blkid: HYBRID,
                partitions: { sda1: { size: 2 * GIB }, sda2: { size: 8192, blkid: "TYPE=vfat" }, sda3: { size: 100 }, sda4: { size: 100 } } },
        });
        expect(run('find_medium && echo "$MEDIUM_DEVICE $MEDIUM_DISK" && choose_target')).toEqual({ out: "sda sda\nvda", ok: true });
    });

    it("finds a CD, and the medium on a partition of a fixed disk (a BMC's virtual USB disk), naming the disk it is on", () => {
        machine({ vda: { size: 8 * GIB }, sr0: { size: 2 * GIB, medium: true } });
        expect(run('find_medium && echo "$MEDIUM_DEVICE $MEDIUM_DISK"').out).toBe("sr0 sr0");
        fs.rmSync(root, { recursive: true }); fs.mkdirSync(root);
        machine({ vda: { size: 8 * GIB }, vdb: { size: 8 * GIB, partitions: { vdb1: { size: 2 * GIB, medium: true } } } });
        expect(run('find_medium && echo "$MEDIUM_DEVICE $MEDIUM_DISK" && choose_target')).toEqual({ out: "vdb1 vdb\nvda", ok: true });
    });

    it("tries whole disks before partitions, so a stick is the medium as a whole", () => {
        machine({ sda: { size: 8 * GIB, removable: true, medium: true, partitions: { sda1: { size: 2 * GIB, medium: true } } } });
        expect(run('find_medium && echo "$MEDIUM_DEVICE"').out).toBe("sda");
        expect(fs.readFileSync(path.join(root, "mounts"), "utf8").trim()).toBe("/dev/sda");
    });

    it("when no device holds the medium, lists each block device with its size and what blkid saw there", () => {
        machine({
            vda: { size: 8 * GIB },
            sda: { size: 4 * GIB, removable: true, blkid: "PTTYPE=gpt", partitions: { sda1: { size: 4 * GIB - 2048, blkid: "LABEL=DATA\nTYPE=vfat" } } },
        });
        const r = run("find_medium");
        expect(r.ok).toBe(false);
        expect(r.out.split("\n").map((l) => l.replace(/^clusteros-install: /, ""))).toEqual([
            "block devices here:",
            "  /dev/sda 4096 MiB, file system, label, partition table: - - gpt",
            "  /dev/vda 8192 MiB, file system, label, partition table: - - -",
            "  /dev/sda1 4095 MiB, file system, label, partition table: vfat DATA -",
        ]);
        // Every device was tried, each of the 15 rounds.
        expect(fs.readFileSync(path.join(root, "mounts"), "utf8").trim().split("\n")).toHaveLength(45);
    });
});
