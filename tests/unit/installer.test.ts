// The release artifacts (lab/release/artifacts.ts), and lab usb around them (lab/usb.ts), on a
// small image of the same shape images/build.sh writes.
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gunzipSync } from "node:zlib";
import { releaseArtifacts, ReleaseOptions } from "../../lab/release/artifacts";
import { usb } from "../../lab/usb";

const sha = (p: string) => createHash("sha256").update(fs.readFileSync(p)).digest("hex");
const sh = (cmd: string, args: string[], cwd?: string) => execFileSync(cmd, args, { encoding: "utf8", cwd, stdio: "pipe" });

/** releaseArtifacts, what it logged, and the error it stopped with (if any). */
function release(img: string, dist: string, o: ReleaseOptions = {}): { output: string; error?: string } {
    const lines: string[] = [];
    try {
        releaseArtifacts(img, dist, { ...o, log: (l) => lines.push(l) });
        return { output: lines.join("\n") };
    } catch (e) {
        return { output: lines.join("\n"), error: (e as Error).message };
    }
}

/** Whether a 64-bit ELF file names a program interpreter (PT_INTERP): a dynamically linked program does. */
function elfInterpreter(elf: Buffer): boolean {
    const at = Number(elf.readBigUInt64LE(0x20)), size = elf.readUInt16LE(0x36), count = elf.readUInt16LE(0x38);
    return Array.from({ length: count }, (_, i) => elf.readUInt32LE(at + i * size)).includes(3);
}

describe("installer artifacts", () => {
    let tmp: string;
    let dist: string;

    beforeAll(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "installer-test-"));
        const img = path.join(tmp, "image");
        fs.mkdirSync(img);
        // A whole disk of the image's shape: GPT, BIOS boot, ESP, root; the root an ext4 file
        // system with one kernel's network drivers (a module's .modinfo: NUL-separated name=,
        // depends=), one of them needing two others.
        const disk = path.join(tmp, "disk.img");
        sh("truncate", ["-s", "24M", disk]);
        sh("sgdisk", ["-n", "1:0:+1M", "-t", "1:ef02", "-n", "2:0:+4M", "-t", "2:ef00", "-n", "3:0:0", "-t", "3:8304", "-c", "3:clusteros-root", disk]);
        const kernel = path.join(tmp, "rootfs", "usr", "lib", "modules", "6.1.0-test-amd64", "kernel");
        const ko = (rel: string, name: string, depends: string) => {
            fs.mkdirSync(path.dirname(path.join(kernel, rel)), { recursive: true });
            fs.writeFileSync(path.join(kernel, rel), Buffer.from(`\x7fELF...\0license=GPL\0depends=${depends}\0name=${name}\0`, "latin1"));
        };
        ko("drivers/net/virtio_net.ko", "virtio_net", "net_failover,virtio_ring");
        ko("drivers/net/net_failover.ko", "net_failover", "failover");
        ko("net/core/failover.ko", "failover", "");
        ko("drivers/net/ethernet/intel/e1000e/e1000e.ko", "e1000e", "");
        ko("drivers/net/dummy.ko", "dummy", "");
        const start = JSON.parse(sh("sfdisk", ["-J", disk])).partitiontable.partitions[2].start as number;
        sh("mkfs.ext4", ["-q", "-F", "-E", `offset=${start * 512}`, "-d", path.join(tmp, "rootfs"), disk, "16M"]);
        sh("qemu-img", ["convert", "-O", "qcow2", disk, path.join(img, "clusteros-node.qcow2")]);
        fs.mkdirSync(path.join(img, "boot"));
        fs.writeFileSync(path.join(img, "boot", "vmlinuz"), "kernel");
        fs.writeFileSync(path.join(img, "boot", "initrd.img"), "initrd");
        sh("sh", ["-c", "sha256sum ./clusteros-node.qcow2 ./boot/* > SHA256SUMS"], img);
        dist = path.join(tmp, "dist");
        expect(release(img, dist).error).toBeUndefined();
    }, 120_000);

    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("writes raw, raw.gz, the ISO and their checksums, and the network boot tree", () => {
        expect(fs.readdirSync(dist).sort()).toEqual(
            [".image", "SHA256SUMS", "clusteros-installer.iso", "clusteros-node.raw", "clusteros-node.raw.gz", "netboot"]);
        sh("sha256sum", ["-c", "SHA256SUMS"], dist);
    });

    it("makes and hashes the raw images once per image: a second medium (another seed, another dist) copies them and their sums", () => {
        const seed = path.join(tmp, "seed");
        fs.mkdirSync(seed, { recursive: true });
        fs.writeFileSync(path.join(seed, "user-data"), "#cloud-config\n");
        fs.writeFileSync(path.join(seed, "meta-data"), "instance-id: x\n");
        const again = path.join(tmp, "dist2");
        const r = release(path.join(tmp, "image"), again, { seed });
        expect(r.error).toBeUndefined();
        expect(r.output).toContain("hybrid BIOS/UEFI installer ISO");
        expect(r.output).not.toContain("raw disk image");
        expect(sha(path.join(again, "clusteros-node.raw.gz"))).toBe(sha(path.join(dist, "clusteros-node.raw.gz")));
        sh("sha256sum", ["-c", "SHA256SUMS"], again);
        // Hashed where they were made, once (the raw image is 3 GiB in a real image).
        const cached = path.join(tmp, "image.raw");
        expect(sh("sha256sum", ["-c", "SHA256SUMS"], cached).trim().split("\n").sort())
            .toEqual(["clusteros-node.raw.gz: OK", "clusteros-node.raw.zst: OK", "clusteros-node.raw: OK"]);
    });

    it("raw.gz decompresses to the raw image byte for byte, which is the image's whole disk", () => {
        const raw = fs.readFileSync(path.join(dist, "clusteros-node.raw"));
        const unzipped = gunzipSync(fs.readFileSync(path.join(dist, "clusteros-node.raw.gz")));
        expect(unzipped.equals(raw)).toBe(true);
        expect(sha(path.join(dist, "clusteros-node.raw"))).toBe(sha(path.join(tmp, "disk.img")));
        expect(sh("sgdisk", ["-p", path.join(dist, "clusteros-node.raw")])).toMatch(/EF02[\s\S]*EF00[\s\S]*8304/);
    });

    it("makes one installer ISO that boots as a CD and from a USB stick, on BIOS and UEFI", () => {
        const iso = path.join(dist, "clusteros-installer.iso");
        const report = sh("xorriso", ["-indev", iso, "-report_el_torito", "plain"]);
        expect(report).toMatch(/El Torito boot img\s*:\s*1\s+BIOS/);
        expect(report).toMatch(/El Torito boot img\s*:\s*2\s+UEFI/);
        // Hybrid: a partition table a firmware reads when the image is written to a stick.
        // Hybrid: boot code in the MBR and a GPT with the EFI image, for a stick's firmware.
        expect(sh("sgdisk", ["-p", iso])).toMatch(/EF00\s+EFI boot partition/);
        expect(fs.readFileSync(iso).subarray(510, 512).toString("hex")).toBe("55aa");
        expect(sh("xorriso", ["-indev", iso, "-pvd_info"])).toMatch(/Volume Id\s*:\s*CLUSTEROS_INSTALL/);
    });

    it("puts a seed per machine on the medium under its ID (MAC in lower case with dashes, UUID, serial), and makes the ISO private", () => {
        const seeds = path.join(tmp, "seeds");
        for (const mac of ["52:54:00:AA:00:01", "52-54-00-aa-00-02", "serial-rack7-u12"]) {
            fs.mkdirSync(path.join(seeds, mac), { recursive: true });
            fs.writeFileSync(path.join(seeds, mac, "user-data"), `#cloud-config\nhostname: m-${mac.slice(-2)}\n`);
            fs.writeFileSync(path.join(seeds, mac, "meta-data"), `instance-id: ${mac}\n`);
        }
        const out = path.join(tmp, "dist-seeds");
        const r = release(path.join(tmp, "image"), out, { seeds });
        expect(r.error).toBeUndefined();
        expect(r.output).toContain("seeds for 3 machines, by machine ID");
        const iso = path.join(out, "clusteros-installer.iso");
        const files = sh("xorriso", ["-indev", iso, "-find", "/clusteros/seeds", "-type", "f"]);
        for (const f of ["52-54-00-aa-00-01/user-data", "52-54-00-aa-00-01/meta-data", "52-54-00-aa-00-02/user-data", "serial-rack7-u12/user-data"]) {
            expect(files).toContain(`/clusteros/seeds/${f}`);
        }
        expect(fs.statSync(iso).mode & 0o777).toBe(0o600);
        // A directory that is not a MAC address is refused, naming it.
        fs.mkdirSync(path.join(seeds, "node-3"));
        const bad = release(path.join(tmp, "image"), path.join(tmp, "dist-bad"), { seeds });
        expect(bad.error).toContain("node-3 is not a machine ID (a MAC address 52:54:00:12:34:56, uuid-<system UUID> or serial-<serial number>)");
        expect(fs.existsSync(path.join(tmp, "dist-bad")), "nothing written").toBe(false);
    });

    it("puts the image, its checksum, the image's kernel and initrd and the installer on the medium", () => {
        const iso = path.join(dist, "clusteros-installer.iso");
        const files = sh("xorriso", ["-indev", iso, "-find", "/clusteros", "-type", "f"]);
        for (const f of ["clusteros-node.raw.zst", "vmlinuz", "initrd.img", "installer.cpio", "SHA256SUMS"]) {
            expect(files).toContain(`/clusteros/${f}`);
        }
        const out = path.join(tmp, "extract");
        sh("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", "/clusteros", out]);
        expect(sh("sha256sum", ["-c", "SHA256SUMS"], out)).toContain("clusteros-node.raw.zst: OK");
        const cpio = sh("sh", ["-c", `cpio -itv < ${out}/installer.cpio`]);
        expect(cpio).toMatch(/-rwxr-xr-x .* root .*clusteros-install/);
        expect(cpio).toMatch(/-rwxr-xr-x .* root .*usr\/lib\/clusteros\/unzstd/);
        sh("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", "/boot/grub/grub.cfg", path.join(out, "grub.cfg")]);
        const grub = fs.readFileSync(path.join(out, "grub.cfg"), "utf8");
        expect(grub).toContain("rdinit=/clusteros-install");
        expect(grub).toMatch(/menuentry "Install ClusterOS \(unattended\)"/);
        expect(grub).toContain("clusteros.mode=interactive");
    });

    it("the medium's image, decoded by the installer's own unzstd (a static program), is the raw image byte for byte", () => {
        const out = path.join(tmp, "cpio-unzstd");
        fs.mkdirSync(out);
        sh("sh", ["-c", `cpio -id --quiet < ${path.join(dist, "netboot", "clusteros", "installer.cpio")}`], out);
        const unzstd = path.join(out, "usr/lib/clusteros/unzstd");
        expect(elfInterpreter(fs.readFileSync(unzstd)), "unzstd needs no dynamic loader (the initramfs's may differ)").toBe(false);
        const decoded = spawnSync(unzstd, [], { input: fs.readFileSync(path.join(dist, "netboot", "clusteros", "clusteros-node.raw.zst")), maxBuffer: 1 << 30 });
        expect(decoded.status, decoded.stderr?.toString()).toBe(0);
        const raw = fs.readFileSync(path.join(dist, "clusteros-node.raw"));
        expect(decoded.stdout.equals(raw)).toBe(true);
        // -o TARGET, as the installer writes a disk: over what the target held, from its first byte.
        const target = path.join(tmp, "target.img");
        fs.writeFileSync(target, Buffer.alloc(raw.length + 4096, 0xaa));
        const wrote = spawnSync(unzstd, ["-o", target], { input: fs.readFileSync(path.join(dist, "netboot", "clusteros", "clusteros-node.raw.zst")), encoding: "utf8" });
        expect(wrote.status, wrote.stderr).toBe(0);
        expect(wrote.stdout).toContain(`${raw.length} bytes written to ${target}`);
        expect(fs.readFileSync(target).subarray(0, raw.length).equals(raw)).toBe(true);
    });

    it("gives the installer the image's network drivers, each after what it needs, and no others", () => {
        const out = path.join(tmp, "cpio");
        fs.mkdirSync(out);
        sh("sh", ["-c", `cpio -id --quiet < ${path.join(dist, "netboot", "clusteros", "installer.cpio")}`], out);
        // virtio_ring is not a file of this kernel (built in here): left out.
        // Under usr/: the image's initramfs has /lib as a link to usr/lib, which an archive's
        // own lib/ directory would replace (the kernel unpacks it over the link).
        expect(fs.existsSync(path.join(out, "lib"))).toBe(false);
        expect(fs.readFileSync(path.join(out, "usr/lib/clusteros/net/load-order"), "utf8").trim().split("\n"))
            .toEqual(["failover.ko", "net_failover.ko", "virtio_net.ko", "e1000e.ko"]);
        expect(fs.readdirSync(path.join(out, "usr/lib/clusteros/net")).sort()).toEqual(["e1000e.ko", "failover.ko", "load-order", "net_failover.ko", "virtio_net.ko"]);
    });

    it("writes a network boot tree: GRUB for BIOS (PXE) and UEFI, its network menu, and the medium's files from the boot server over TFTP", () => {
        const net = path.join(dist, "netboot");
        for (const f of ["boot/grub/i386-pc/core.0", "boot/grub/x86_64-efi/core.efi", "boot/grub/i386-pc/http.mod", "boot/grub/x86_64-efi/http.mod"]) {
            expect(fs.existsSync(path.join(net, f)), f).toBe(true);
        }
        const grub = fs.readFileSync(path.join(net, "boot/grub/grub.cfg"), "utf8");
        expect(grub).toContain("clusteros.url=${clusteros_proto}://${clusteros_server}/clusteros");
        expect(grub).toContain('source "${prefix}/netboot.cfg"');
        expect(grub).toMatch(/linux \$\{clusteros_tree\}\/vmlinuz .*clusteros\.mode=auto/);
        expect(fs.readFileSync(path.join(net, "boot/grub/netboot.cfg"), "utf8")).toBe('set clusteros_proto="tftp"\nset clusteros_server="${net_default_server}"\n');
        expect(sh("sha256sum", ["-c", "SHA256SUMS"], path.join(net, "clusteros"))).toContain("clusteros-node.raw.zst: OK");
        const extract = path.join(tmp, "extract-net");
        sh("xorriso", ["-osirrox", "on", "-indev", path.join(dist, "clusteros-installer.iso"), "-extract", "/clusteros", extract]);
        for (const f of ["clusteros-node.raw.zst", "vmlinuz", "initrd.img", "installer.cpio", "SHA256SUMS"]) {
            expect(sha(path.join(net, "clusteros", f)), f).toBe(sha(path.join(extract, f)));
        }
        // NETBOOT_HTTP names an HTTP server (HOST, HOST:PORT, or :PORT on the boot server); a tree with
        // seeds is private, but for dnsmasq's user (NETBOOT_READER, an ACL).
        const seed = path.join(tmp, "seed-net");
        fs.mkdirSync(seed, { recursive: true });
        fs.writeFileSync(path.join(seed, "user-data"), "#cloud-config\n");
        fs.writeFileSync(path.join(seed, "meta-data"), "instance-id: n\n");
        const other = path.join(tmp, "dist-net");
        expect(release(path.join(tmp, "image"), other, { seed, netbootHttp: "10.9.8.7" }).error).toBeUndefined();
        expect(fs.readFileSync(path.join(other, "netboot/boot/grub/netboot.cfg"), "utf8")).toBe('set clusteros_proto="http"\nset clusteros_server="10.9.8.7"\n');
        const onBootServer = path.join(tmp, "dist-net-port");
        expect(release(path.join(tmp, "image"), onBootServer, { netbootHttp: ":8080" }).error).toBeUndefined();
        expect(fs.readFileSync(path.join(onBootServer, "netboot/boot/grub/netboot.cfg"), "utf8")).toBe('set clusteros_proto="http"\nset clusteros_server="${net_default_server}:8080"\n');
        const bad = release(path.join(tmp, "image"), path.join(tmp, "dist-net-bad"), { netbootHttp: "http://10.9.8.7/" });
        expect(bad.error).toContain("NETBOOT_HTTP=http://10.9.8.7/: give HOST, HOST:PORT or :PORT");
        // (With an ACL, the group bits show its mask: the owning group's own entry is what counts.)
        expect(fs.statSync(path.join(other, "netboot")).mode & 0o707).toBe(0o700);
        expect(sh("getfacl", ["-cp", path.join(other, "netboot")], tmp)).toMatch(/^group::---$/m);
        const seedFile = path.join(other, "netboot/clusteros/seed/user-data");
        expect(fs.readFileSync(seedFile, "utf8")).toBe("#cloud-config\n");
        expect(fs.statSync(seedFile).mode & 0o007, "others' bits").toBe(0);
        expect(sh("getfacl", ["-cp", seedFile], tmp)).toMatch(/^group::---$/m);
        expect(sh("getfacl", ["-cp", seedFile], tmp)).toMatch(/^user:nobody:r--$/m);
        expect(sh("getfacl", ["-cp", path.join(other, "netboot")], tmp)).toMatch(/^user:nobody:r-x$/m);
    });

    it("lab usb puts the stack's seeds (bareMetalNodes) beside the user's own on the medium, with its network pre-seed, and refuses a machine both seed", async () => {
        const mac = "52:54:00:c1:a5:05";
        const outputs: Record<string, unknown> = {
            image: { path: path.join(tmp, "image", "clusteros-node.qcow2"), hash: "h" },
            bareMetal: { files: [{ path: "/etc/systemd/network/60-clusteros-wired.network", mode: "0644", content: "[Match]\n" }], enableUnits: ["iwd.service"] },
            bareMetalSeeds: { [mac]: { userData: "#cloud-config\nhostname: cluster-node-5\n", metaData: "instance-id: n5\n", networkConfig: "version: 2\n" } },
        };
        const runner = (_cmd: string, args: string[]) => {
            if (!(args[2] in outputs)) throw new Error(`no output ${args[2]}`);
            return JSON.stringify(outputs[args[2]]);
        };
        const own = path.join(tmp, "own-seeds");
        fs.mkdirSync(path.join(own, "serial-A1"), { recursive: true });
        fs.writeFileSync(path.join(own, "serial-A1", "user-data"), "#cloud-config\n");
        const out = path.join(tmp, "dist-usb");
        expect(await usb("s", { dist: out, seeds: own }, runner)).toBe(0);
        const iso = path.join(out, "clusteros-installer.iso");
        const files = sh("xorriso", ["-indev", iso, "-find", "/clusteros", "-type", "f"]);
        for (const f of ["seeds/52-54-00-c1-a5-05/user-data", "seeds/52-54-00-c1-a5-05/network-config", "seeds/serial-A1/user-data", "preseed.tar"]) {
            expect(files).toContain(`/clusteros/${f}`);
        }
        const tar = sh("tar", ["tvf", path.join(out, "netboot", "clusteros", "preseed.tar")]);
        expect(tar).toMatch(/-rw-r--r-- 0\/0 .* \.\/etc\/systemd\/network\/60-clusteros-wired\.network/);
        expect(tar).toContain("./etc/systemd/system/multi-user.target.wants/iwd.service -> /lib/systemd/system/iwd.service");
        expect(fs.statSync(iso).mode & 0o777).toBe(0o600);
        fs.mkdirSync(path.join(own, "52-54-00-C1-A5-05"));
        await expect(usb("s", { dist: path.join(tmp, "dist-clash"), seeds: own }, runner))
            .rejects.toThrow("has a seed for 52-54-00-C1-A5-05, which the stack's bareMetalNodes also gives one");
        delete outputs.image;
        await expect(usb("s", { dist: out }, runner)).rejects.toThrow("stack s has no image output: make up STACK=s first");
    });

    it("leaves up-to-date artifacts alone", () => {
        const before = fs.statSync(path.join(dist, "clusteros-installer.iso")).mtimeMs;
        const again = release(path.join(tmp, "image"), dist);
        expect(again.error).toBeUndefined();
        expect(again.output).toContain(`installer artifacts in ${dist} are up to date`);
        expect(fs.statSync(path.join(dist, "clusteros-installer.iso")).mtimeMs).toBe(before);
    });
});
