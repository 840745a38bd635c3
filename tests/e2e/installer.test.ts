// The installer, tested the way CoreOS's testiso does it: release artifacts made with `make
// usb` from the e2e stack's image (with a NoCloud seed, an install.conf and the stack's
// network pre-seed), then plain QEMU VMs, firmware boot only (qemu.ts):
//   1. a disk that holds partitions: the installer refuses, powers off, the disk is unchanged;
//   2. an empty disk: the installer boots from the ISO as a CD, installs unattended, powers off;
//   3. that disk alone boots through SeaBIOS and comes up with the seed's identity (hostname,
//      SSH key) and the pre-seeded network, the root grown to the disk;
//   4. the same ISO as a USB stick (xHCI, removable, the hybrid image as a whole disk), on
//      SeaBIOS and then on OVMF (a fresh variable store: the firmware takes the removable-media
//      path, on the stick and then on the installed disk): an unattended install onto an empty
//      disk, and that disk alone boots through the same firmware with the seed's hostname and
//      SSH key.
// E2E_PSK is the WiFi passphrase e2e.sh set as the stack's secret bareMetal.network.wifi.psk.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnCollect } from "../../components/exec/spawn";
import { sshArgv, SshTarget } from "../../components/exec/ssh";
import { PROJECT_ROOT } from "../../components/plan/paths";
import { renderFile } from "../../components/plan/templates";
import { e2e, eventually, expectOk, modeOf, pulumi, run, workFile } from "./context";
import type { Firmware } from "../../components/plan/config-types";
import { OVMF } from "../../components/plan/firmware";
import { freePort, PlainVm } from "./qemu";

const FIXTURES = path.join(__dirname, "fixtures", "metal");
const INSTALL_TIMEOUT = Number(process.env.CLUSTEROS_LAB_INSTALL_TIMEOUT ?? 900);
const dist = () => workFile("dist");
const iso = () => path.join(dist(), "clusteros-installer.iso");
const cdrom = () => ["-drive", `file=${iso()},media=cdrom,readonly=on`, "-boot", "once=d"];
/** The ISO as a USB stick, as `dd` writes it: a removable USB disk on xHCI, first to boot. */
const usbStick = () => ["-device", "qemu-xhci,id=xhci", "-drive", `if=none,id=stick,file=${iso()},format=raw,readonly=on`,
    "-device", "usb-storage,bus=xhci.0,drive=stick,removable=on,bootindex=0"];
/** SeaBIOS (QEMU's default), or OVMF with a variable store of the machine's own, made fresh from the template. */
function firmwareArgs(firmware: Firmware, machine: string): string[] {
    if (firmware === "bios") return [];
    const vars = workFile(`${machine}-vars.fd`);
    if (!fs.existsSync(vars)) fs.copyFileSync(OVMF.varsTemplate, vars);
    return ["-drive", `if=pflash,format=raw,readonly=on,file=${OVMF.code}`, "-drive", `if=pflash,format=raw,file=${vars}`];
}
const sha256 = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const vms: PlainVm[] = [];
const vm = (name: string, args: string[]) => { const v = new PlainVm(name, workFile(`${name}.log`), args); vms.push(v); return v; };
const serial = (v: PlainVm) => fs.readFileSync(v.serialLog, "latin1");

let metal: SshTarget;
/** A command on the installed machine, as the seed's user with the seed's key. */
const onMetal = (command: string, target = metal) => spawnCollect(sshArgv(target, "batch", [command]));
/** An installed disk booted alone through its firmware, SSH forwarded to `target`'s port. */
const bootInstalled = (name: string, disk: string, firmware: Firmware, target: SshTarget) => vm(name, [...firmwareArgs(firmware, name),
    "-drive", `file=${disk},if=virtio,format=qcow2`,
    "-netdev", `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${target.port}-:22`, "-device", "virtio-net-pci,netdev=n0"]);

describe("installer: make usb, refusal, unattended install, boot from disk", () => {
    beforeAll(async () => {
        const key = workFile("metal");
        expectOk(await run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "e2e-metal", "-f", key]), "ssh-keygen");
        fs.mkdirSync(workFile("seed"), { recursive: true });
        fs.writeFileSync(workFile("seed/user-data"), renderFile(path.join(FIXTURES, "user-data.mustache"), { publicKey: fs.readFileSync(`${key}.pub`, "utf8").trim() }));
        fs.copyFileSync(path.join(FIXTURES, "meta-data"), workFile("seed/meta-data"));
        metal = { user: "clusteros", host: "127.0.0.1", key, port: await freePort() };
    });
    afterAll(async () => { await Promise.all(vms.map((v) => v.kill())); });

    it("make usb writes raw, raw.gz, the installer ISO and SHA256SUMS with a seed and the network pre-seed", async () => {
        const r = await run(["make", "usb", `STACK=${e2e.stack}`, `SEED=${workFile("seed")}`, `INSTALL_CONF=${path.join(FIXTURES, "install.conf")}`],
            { log: "usb.log", env: { DIST_DIR: dist() } });
        expectOk(r, "make usb");
    }, 1_800_000);

    it("the artifacts match their SHA256SUMS", async () => {
        expectOk(await run(["sh", "-c", 'cd "$1" && sha256sum --quiet -c SHA256SUMS', "sh", dist()]), "sha256sum -c");
    }, 300_000);

    it("the ISO, which holds a seed and a pre-seed, is readable by its owner only", () => {
        expect(modeOf(iso()) & 0o077, `mode ${modeOf(iso()).toString(8)}`).toBe(0);
    });

    it("the WiFi passphrase is in neither the state, the stack file nor the outputs, in plain text", async () => {
        const psk = process.env.E2E_PSK ?? "";
        expect(psk, "E2E_PSK (set by e2e.sh)").not.toBe("");
        const state = await pulumi("stack", "export", "--stack", e2e.stack);
        const outputs = await pulumi("stack", "output", "--stack", e2e.stack, "--json");
        const file = fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${e2e.stack}.yaml`), "utf8");
        expect([state.stdout, outputs.stdout, file].filter((t) => t.includes(psk))).toEqual([]);
    });

    it("installer on a disk with partitions: refuses, names the partitions and the overwrite setting, powers off, and the disk is unchanged", async () => {
        const used = workFile("used.raw");
        expectOk(await run(["qemu-img", "create", "-q", "-f", "raw", used, "1G"]), "qemu-img create");
        expectOk(await run(["sgdisk", "-n", "1:0:+100M", "-t", "1:8300", used]), "sgdisk");
        const fd = fs.openSync(used, "r+");
        fs.writeSync(fd, "precious data", 2 * 1024 * 1024);
        fs.closeSync(fd);
        const before = sha256(used);
        const v = vm("install-refuse", ["-drive", `file=${used},if=virtio,format=raw`, ...cdrom()]);
        expect(await v.powersOff(300), `no power-off:\n${serial(v).slice(-2000)}`).toBe(true);
        expect(serial(v)).toContain("REFUSED: /dev/vda is not empty (partitions: vda1); to install over it, set clusteros.overwrite=yes");
        expect(sha256(used), "the refused disk's checksum").toBe(before);
    }, 600_000);

    it("installer on an empty disk (BIOS, CD): installs unattended, having verified the image, written it, added the seed and the pre-seed, and powers off", async () => {
        const target = workFile("target.qcow2");
        expectOk(await run(["qemu-img", "create", "-q", "-f", "qcow2", target, "6G"]), "qemu-img create");
        const start = Date.now();
        const v = vm("install", ["-drive", `file=${target},if=virtio,format=qcow2`, ...cdrom()]);
        expect(await v.powersOff(INSTALL_TIMEOUT), `no power-off:\n${serial(v).slice(-3000)}`).toBe(true);
        console.log(`install took ${Math.round((Date.now() - start) / 1000)} s`);
        for (const line of ["installed ClusterOS on /dev/vda", "NoCloud seed added", "network pre-seed added"]) expect(serial(v)).toContain(line);
    }, (INSTALL_TIMEOUT + 120) * 1000);

    describe("the installed disk alone, through SeaBIOS", () => {
        let v: PlainVm;
        beforeAll(() => {
            v = bootInstalled("metal-bios", workFile("target.qcow2"), "bios", metal);
        });

        it("installed disk, bios: boots through firmware alone and answers SSH with the seed's key", async () => {
            expect(await eventually(600, async () => (await onMetal("true")).code === 0), `no SSH:\n${serial(v).slice(-2000)}`).toBe(true);
        }, 700_000);

        it("installed disk, bios: cloud-init done, hostname from the seed", async () => {
            expect(await eventually(300, async () => (await onMetal("cloud-init status | grep -q done && hostname")).stdout.trim() === "metal-1")).toBe(true);
        }, 400_000);

        it("installed disk, bios: the kernel was started by BIOS firmware", async () => {
            expectOk(await onMetal("test ! -d /sys/firmware/efi"), "no /sys/firmware/efi");
        });

        it("installed disk, bios: the root file system was grown to the 6 GiB disk", async () => {
            const r = await onMetal("df -BG --output=size / | tail -n1");
            expect(Number(r.stdout.replace(/\D/g, "")), r.output).toBeGreaterThanOrEqual(5);
        });

        it("installed disk: the wired network is the pre-seed's (systemd-networkd), cloud-init's is off", async () => {
            expectOk(await onMetal('networkctl status --no-pager "$(ls /sys/class/net | grep -E "^(en|eth)" | head -n1)" | grep -q "Network File: /etc/systemd/network/60-clusteros-wired.network"'
                + " && test -f /etc/cloud/cloud.cfg.d/99-clusteros-bare-metal.cfg"), "the pre-seed's network");
        });

        it("installed disk: iwd is enabled and its WiFi secret file is mode 600, root's", async () => {
            const r = await onMetal('systemctl is-enabled iwd.service >/dev/null && sudo sh -c "stat -c \\"%a %U\\" /var/lib/iwd/*.psk"');
            expect(r.stdout.trim(), r.output).toBe("600 root");
        });

        it("installed disk: powers off when asked", async () => {
            await onMetal("sudo poweroff");
            expect(await v.powersOff(120)).toBe(true);
        }, 180_000);
    });

    for (const firmware of ["bios", "uefi"] as const) {
        describe(`from a USB stick, ${firmware}: install, then the disk alone through the same firmware`, () => {
            const disk = () => workFile(`usb-${firmware}.qcow2`);
            let target: SshTarget;
            let v: PlainVm;
            beforeAll(async () => { target = { ...metal, port: await freePort() }; });

            it(`USB stick, ${firmware}: the installer finds its stick, installs unattended onto the empty disk (never the stick), and powers off`, async () => {
                expectOk(await run(["qemu-img", "create", "-q", "-f", "qcow2", disk(), "6G"]), "qemu-img create");
                const start = Date.now();
                const installer = vm(`install-usb-${firmware}`, [...firmwareArgs(firmware, `install-usb-${firmware}`),
                    "-drive", `file=${disk()},if=virtio,format=qcow2`, ...usbStick(), "-nic", "none"]);
                expect(await installer.powersOff(INSTALL_TIMEOUT), `no power-off:\n${serial(installer).slice(-3000)}`).toBe(true);
                console.log(`install from a USB stick (${firmware}) took ${Math.round((Date.now() - start) / 1000)} s`);
                expect(serial(installer)).toMatch(/medium: \/dev\/sda\d* on disk \/dev\/sda,/);
                for (const line of ["target: /dev/vda", "installed ClusterOS on /dev/vda", "NoCloud seed added"]) expect(serial(installer)).toContain(line);
            }, (INSTALL_TIMEOUT + 120) * 1000);

            it(`USB stick, ${firmware}: the installed disk boots alone and answers SSH with the seed's key`, async () => {
                v = bootInstalled(`metal-usb-${firmware}`, disk(), firmware, target);
                expect(await eventually(600, async () => (await onMetal("true", target)).code === 0), `no SSH:\n${serial(v).slice(-2000)}`).toBe(true);
            }, 700_000);

            it(`USB stick, ${firmware}: hostname from the seed, started by ${firmware === "uefi" ? "UEFI" : "BIOS"} firmware`, async () => {
                expect(await eventually(300, async () => (await onMetal("cloud-init status | grep -q done && hostname", target)).stdout.trim() === "metal-1")).toBe(true);
                expectOk(await onMetal(firmware === "uefi" ? "test -d /sys/firmware/efi" : "test ! -d /sys/firmware/efi", target), "the firmware");
                await v.kill();
            }, 400_000);
        });
    }
});
