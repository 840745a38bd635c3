// scripts/installer.sh on a small image of the same shape images/build.sh writes.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gunzipSync } from "node:zlib";

const ROOT = path.join(__dirname, "..", "..");
const sha = (p: string) => createHash("sha256").update(fs.readFileSync(p)).digest("hex");
const sh = (cmd: string, args: string[], cwd?: string) => execFileSync(cmd, args, { encoding: "utf8", cwd, stdio: "pipe" });

describe("installer artifacts", () => {
    let tmp: string;
    let dist: string;
    let firstRun: string;

    beforeAll(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "installer-test-"));
        const img = path.join(tmp, "image");
        const rootfs = path.join(tmp, "rootfs");
        fs.mkdirSync(path.join(rootfs, "etc"), { recursive: true });
        fs.mkdirSync(img);
        fs.writeFileSync(path.join(rootfs, "etc", "hostname"), "clusteros-node\n");
        sh("mkfs.ext4", ["-q", "-L", "clusteros-root", "-d", rootfs, path.join(tmp, "root.img"), "16M"]);
        sh("qemu-img", ["convert", "-O", "qcow2", path.join(tmp, "root.img"), path.join(img, "clusteros-node.qcow2")]);
        fs.writeFileSync(path.join(img, "vmlinuz"), "kernel");
        fs.writeFileSync(path.join(img, "initrd.img"), "initrd");
        sh("sh", ["-c", "sha256sum ./* > SHA256SUMS"], img);
        dist = path.join(tmp, "dist");
        firstRun = sh(path.join(ROOT, "scripts", "installer.sh"), [img, dist]);
    }, 120_000);

    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("writes raw, raw.gz, the ISO and their checksums", () => {
        expect(fs.readdirSync(dist).sort()).toEqual(
            [".image", "SHA256SUMS", "clusteros-installer.iso", "clusteros-node.raw", "clusteros-node.raw.gz"]);
        sh("sha256sum", ["-c", "SHA256SUMS"], dist);
    });

    it("raw.gz decompresses to the raw image byte for byte, which is the image's file system", () => {
        const raw = fs.readFileSync(path.join(dist, "clusteros-node.raw"));
        const unzipped = gunzipSync(fs.readFileSync(path.join(dist, "clusteros-node.raw.gz")));
        expect(unzipped.equals(raw)).toBe(true);
        expect(sha(path.join(dist, "clusteros-node.raw"))).toBe(sha(path.join(tmp, "root.img")));
        expect(sh("file", ["-b", path.join(dist, "clusteros-node.raw")])).toMatch(/ext4 filesystem data, UUID=.*volume name "clusteros-root"/);
    });

    it("makes an El Torito bootable ISO with the image and the install script", () => {
        const iso = path.join(dist, "clusteros-installer.iso");
        const report = sh("xorriso", ["-indev", iso, "-report_el_torito", "plain"]);
        expect(report).toMatch(/El Torito boot img\s*:\s*1\s+BIOS/);
        const files = sh("xorriso", ["-indev", iso, "-find", "/clusteros", "-type", "f"]);
        for (const f of ["install.sh", "clusteros-node.raw.gz", "vmlinuz", "initrd.img", "SHA256SUMS"]) {
            expect(files).toContain(`/clusteros/${f}`);
        }
    });

    it("leaves up-to-date artifacts alone", () => {
        const before = fs.statSync(path.join(dist, "clusteros-installer.iso")).mtimeMs;
        const out = execFileSync(path.join(ROOT, "scripts", "installer.sh"), [path.join(tmp, "image"), dist], { encoding: "utf8", stdio: "pipe" });
        expect(out + firstRun).toBeDefined();
        expect(fs.statSync(path.join(dist, "clusteros-installer.iso")).mtimeMs).toBe(before);
    });
});
