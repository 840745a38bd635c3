// The installer, tested the way CoreOS's testiso does it: release artifacts made with `make
// usb` from the e2e stack's image (with a NoCloud seed, an install.conf and the stack's
// network pre-seed), then plain QEMU VMs, firmware boot only (metal.ts, qemu.ts):
//   1. a disk that holds partitions: the installer refuses, powers off, the disk is unchanged;
//   2. an empty disk: the installer boots from the ISO as a CD, installs unattended, powers off;
//   3. that disk alone boots through SeaBIOS and comes up with the seed's identity (hostname,
//      SSH key) and the pre-seeded network, the root grown to the disk;
//   4. the same ISO as a USB stick (xHCI, removable, the hybrid image as a whole disk) on OVMF
//      (a fresh variable store: the firmware takes the removable-media path, on the stick and
//      then on the installed disk): an unattended install onto an empty disk, and that disk
//      alone boots through the same firmware with the seed's hostname and SSH key. The machine
//      has a serial number of its own (SMBIOS), and the medium a seed for it (make usb
//      SEEDS=dir): it comes up with its own hostname, where the CD's machine, which has no seed
//      of its own, takes the medium's seed for every machine. It has a second, larger empty
//      disk: the install's rule (virtio,smallest) picks the smaller one, and the other's
//      checksum is unchanged. A stick on SeaBIOS is the agent test's machine
//      (tests/e2e/agent.test.ts), which installs from its stack's stick and joins its cluster:
//      a sixth install here would only repeat it, at a fifth of this test's machine time;
//   5. a second medium from the same image, whose install.conf names no target, on a machine
//      with two empty disks: the installer refuses the ambiguous target, naming both disks,
//      powers off, and neither disk changed.
//   6. the stack's provisioning network (config keys netbootCidr, netbootTree = make usb's
//      netboot/ tree, made with NETBOOT_HTTP=:PORT), added by one make up with its HTTP server:
//      two machines with empty disks and no medium boot from the network, one through SeaBIOS
//      (PXE), one through OVMF, each with a MAC of its own that names its seed in the tree; GRUB
//      comes over TFTP, the rest over HTTP from the stack's server (its request log shows each
//      machine fetched the image); each installs unattended, powers off, and its disk boots
//      alone through the same firmware with its own seed's hostname and key.
// The CD's machine boots through OVMF (the ISO as a CD on UEFI); the refusals' through SeaBIOS.
// The machines run side by side from the moment the artifacts are checked, the main stack's
// nodes paused meanwhile (after the make up that adds the provisioning network); each test
// awaits its machine's course (metal.ts) and asserts on it.
// E2E_PSK is the WiFi passphrase e2e.sh set as the stack's secret bareMetal.network.wifi.psk;
// E2E_NETBOOT_CIDR a free range for the provisioning network.
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SshTarget } from "../../components/exec/ssh";
import { PROJECT_ROOT } from "../../components/plan/paths";
import { renderFile } from "../../components/plan/templates";
import { NETBOOT_HTTP_PORT, type NetbootOutput } from "../../components/plan/netboot";
import { configSet, e2e, expectOk, inHost, modeOf, prefixOf, pulumi, run, stackOutputJson, virsh, workFile } from "./context";
import { Booted, course, Installed, iso, killAll, Machine, machineVm, mediumArgs, onMachine, serialOf, unplug } from "./metal";
import { freePort, PlainVm } from "./qemu";

const FIXTURES = path.join(__dirname, "fixtures", "metal");
const INSTALL_TIMEOUT = Number(process.env.CLUSTEROS_LAB_INSTALL_TIMEOUT ?? 900);
/** How long a test may wait for its machine: the install, the boot to SSH and cloud-init, side by side with the others. */
const COURSE_MS = (INSTALL_TIMEOUT + 600 + 300 + 120) * 1000;
const dist = () => workFile("dist");
const sha256 = (file: string) => crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
const tailOf = (text: string, chars = 3000) => text.slice(-chars);

let key = "";
/** The machines that install: from a CD on UEFI, from a USB stick on UEFI, over the network on BIOS and on UEFI. */
const machines = {} as Record<"cd" | "uefi" | "netBios" | "netUefi", Machine>;
/** The network machines' MAC addresses, which name their seeds. */
const MACS = { netBios: "52:54:00:c0:5e:01", netUefi: "52:54:00:c0:5e:02" };
const courses: Record<string, { installed: Promise<Installed>; booted: Promise<Booted> }> = {};
let refusal: { vm: PlainVm; disk: string; before: string; off: Promise<boolean> };
/** The machine with two empty disks whose medium names no target: each disk and its checksum before. */
let ambiguous: { vm: PlainVm; disks: { file: string; before: string }[]; off: Promise<boolean> };
let spareBefore = "";
/** The provisioning network's HTTP server's request log (the stack output netboot's httpLog). */
let httpLog = "";

describe("installer: make usb, refusal, unattended install, boot from disk", () => {
    beforeAll(async () => {
        key = workFile("metal");
        expectOk(await run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "e2e-metal", "-f", key]), "ssh-keygen");
        const publicKey = fs.readFileSync(`${key}.pub`, "utf8").trim();
        const seed = (dir: string, hostname: string) => {
            fs.mkdirSync(dir, { recursive: true });
            for (const f of ["user-data", "meta-data"]) fs.writeFileSync(path.join(dir, f), renderFile(path.join(FIXTURES, `${f}.mustache`), { publicKey, hostname }));
        };
        seed(workFile("seed"), "metal-1");
        const target = async (): Promise<SshTarget> => ({ user: "clusteros", host: "127.0.0.1", key, port: await freePort() });
        machines.cd = { name: "cd-uefi", firmware: "uefi", medium: "cd", target: await target() };
        machines.uefi = { name: "usb-uefi", firmware: "uefi", medium: "usb", target: await target(), serial: "rack1-u02", spareDisk: workFile("spare.qcow2") };
        seed(workFile(`seeds/serial-${machines.uefi.serial}`), `metal-${machines.uefi.serial}`);
        for (const [k, firmware] of [["netBios", "bios"], ["netUefi", "uefi"]] as const) {
            // The bridge is the stack's, known once its make up has added the network.
            machines[k] = { name: `net-${firmware}`, firmware, medium: "network", target: await target(), nic: { mac: MACS[k], netboot: { bridge: "", netns: e2e.hostns, mtu: 0 } } };
            seed(workFile(`seeds/${MACS[k]}`), `metal-net-${firmware}`);
        }
    });
    afterAll(async () => {
        await killAll();
        await Promise.all([machines.netBios, machines.netUefi].filter((m) => m?.nic?.netboot.bridge).map(unplug));
    });

    it("make usb writes raw, raw.gz, the installer ISO and SHA256SUMS with a seed, a seed per machine and the network pre-seed, and a network tree that fetches over HTTP", async () => {
        // The network tree fetches over HTTP from its boot server, at the port the stack's server takes by default.
        const r = await run(["make", "usb", `STACK=${e2e.stack}`, `SEED=${workFile("seed")}`, `SEEDS=${workFile("seeds")}`,
            `INSTALL_CONF=${path.join(FIXTURES, "install.conf")}`, `NETBOOT_HTTP=:${NETBOOT_HTTP_PORT}`], { log: "usb.log", env: { DIST_DIR: dist() } });
        expectOk(r, "make usb");
        expect(r.output).toContain("seeds for 3 machines, by machine ID");
        expect(fs.readFileSync(path.join(dist(), "netboot", "boot", "grub", "netboot.cfg"), "utf8")).toContain(`clusteros_server="\${net_default_server}:${NETBOOT_HTTP_PORT}"`);
    }, 1_800_000);

    it("make usb makes a second medium from the same image, whose install.conf names no target, in another directory", async () => {
        const r = await run(["make", "usb", `STACK=${e2e.stack}`, `INSTALL_CONF=${path.join(FIXTURES, "install-no-target.conf")}`],
            { log: "usb-no-target.log", env: { DIST_DIR: workFile("dist-no-target") } });
        expectOk(r, "make usb (no target)");
        expect(fs.existsSync(iso("dist-no-target")), "its ISO").toBe(true);
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

    describe("the stack's provisioning network, added by make up", () => {
        const tree = () => path.join(dist(), "netboot");
        let netboot: NetbootOutput;

        it("make up refuses a tree libvirt's dnsmasq cannot reach, naming the directory and the fix, before any resource", async () => {
            await configSet(e2e.stack, "netbootCidr", process.env.E2E_NETBOOT_CIDR ?? "");
            await configSet(e2e.stack, "netbootTree", tree());
            const r = await run(["make", "up", `STACK=${e2e.stack}`], { log: "up-netboot-refused.log" });
            expect(r.code, r.output).not.toBe(0);
            expect(r.output).toContain(`${e2e.work} is mode 0700: others may not enter it`);
            expect(r.output).toContain("setfacl -m u:nobody:x");
            expect((await virsh("net-list", "--all", "--name")).stdout).not.toContain(`${prefixOf(e2e.stack)}-netboot`);
        }, 900_000);

        it("make up with netbootCidr and netbootTree (make usb's tree) adds the provisioning network, isolated, and its output", async () => {
            // The scratch directory is private: dnsmasq's user may pass through it, as the refusal said.
            expectOk(await run(["setfacl", "-m", "u:nobody:x", e2e.work]), "setfacl");
            expectOk(await run(["make", "up", `STACK=${e2e.stack}`], { log: "up-netboot.log" }), "make up (provisioning network)");
            netboot = await stackOutputJson<NetbootOutput>(e2e.stack, "netboot");
            expect(netboot.cidr).toBe(process.env.E2E_NETBOOT_CIDR);
            expect(netboot.tree).toBe(tree());
            const xml = await virsh("net-dumpxml", netboot.network);
            expectOk(xml, "virsh net-dumpxml");
            expect(xml.stdout, "no forwarding: isolated").not.toContain("<forward");
            expect(xml.stdout).toContain(`<bridge name='${netboot.bridge}'`);
            expect(xml.stdout).toContain(`tftp-root=${tree()}`);
            expect((await virsh("net-info", netboot.network)).stdout).toMatch(/Active:\s+yes/);
            expect(xml.stdout).toContain(`<mtu size='${netboot.mtu}'/>`);
            expect(netboot.http).toBe(`http://${netboot.server}:${NETBOOT_HTTP_PORT}/`);
            httpLog = netboot.httpLog;
            for (const k of ["netBios", "netUefi"] as const) Object.assign(machines[k].nic!.netboot, { bridge: netboot.bridge, mtu: netboot.mtu });
        }, 900_000);

        it("its HTTP server serves the tree at the boot server's address, and at no other address of the host", async () => {
            const sums = await run(inHost(["curl", "-fsS", `${netboot.http}clusteros/SHA256SUMS`]));
            expectOk(sums, "curl the tree's SHA256SUMS");
            expect(sums.stdout).toBe(fs.readFileSync(path.join(tree(), "clusteros", "SHA256SUMS"), "utf8"));
            expect((await run(inHost(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", `${netboot.http}clusteros/`]))).stdout, "a directory").toBe("404");
            const loopback = await run(inHost(["curl", "-fsS", "-o", "/dev/null", `http://127.0.0.1:${NETBOOT_HTTP_PORT}/clusteros/SHA256SUMS`]));
            expect(loopback.code, "bound to the boot server's address alone").not.toBe(0);
        });

        it("the tree's secrets are readable by dnsmasq's user (nobody), and by no other user but their owner", async () => {
            const seedFile = path.join(tree(), "clusteros", "seeds", MACS.netBios.replace(/:/g, "-"), "user-data");
            expect(modeOf(seedFile) & 0o007, "others' bits of a seed in the tree").toBe(0);
            expect(modeOf(tree()) & 0o007, "others' bits of the tree").toBe(0);
            expectOk(await run(["runuser", "-u", "nobody", "--", "head", "-c1", seedFile]), "nobody reads the seed");
            expect((await run(["runuser", "-u", "daemon", "--", "head", "-c1", seedFile])).code, "another user reads the seed").not.toBe(0);
        });

        it("the main stack's nodes pause: the machines get both cores", async () => {
            const names = (await virsh("list", "--name", "--state-running")).stdout.split("\n").map((l) => l.trim())
                .filter((n) => n.startsWith(`${prefixOf(e2e.stack)}-node-`));
            for (const n of names) expectOk(await virsh("suspend", n), `virsh suspend ${n}`);
        });
    });

    describe("the machines, side by side: the refusals, then four installs, each disk then booted alone", () => {
        beforeAll(async () => {
            const disk = workFile("used.raw");
            expectOk(await run(["qemu-img", "create", "-q", "-f", "raw", disk, "1G"]), "qemu-img create");
            expectOk(await run(["sgdisk", "-n", "1:0:+100M", "-t", "1:8300", disk]), "sgdisk");
            const fd = fs.openSync(disk, "r+");
            fs.writeSync(fd, "precious data", 2 * 1024 * 1024);
            fs.closeSync(fd);
            const before = sha256(disk);
            const vm = machineVm({ name: "refuse", firmware: "bios", medium: "cd", target: machines.cd.target }, "install",
                ["-drive", `file=${disk},if=virtio,format=raw`, ...mediumArgs(machines.cd)]);
            refusal = { vm, disk, before, off: vm.powersOff(300) };
            // Two empty disks of the same size, each with a mark no installer takes for contents.
            const disks = await Promise.all(["a", "b"].map(async (d) => {
                const file = workFile(`ambiguous-${d}.raw`);
                expectOk(await run(["qemu-img", "create", "-q", "-f", "raw", file, "1G"]), "qemu-img create");
                fs.writeFileSync(file, `empty disk ${d}`, { flag: "r+" });
                return { file, before: sha256(file) };
            }));
            const machine: Machine = { name: "ambiguous", firmware: "bios", medium: "cd", target: machines.cd.target, dist: "dist-no-target" };
            const twoDisks = machineVm(machine, "install", [...disks.flatMap((d) => ["-drive", `file=${d.file},if=virtio,format=raw`]), ...mediumArgs(machine)]);
            ambiguous = { vm: twoDisks, disks, off: twoDisks.powersOff(300) };
            // The UEFI machine's second, larger disk (8 GiB beside its 6): the rule 'virtio,smallest'
            // must pick the other. A qcow2 file, so a write to it, anywhere, changes its checksum.
            expectOk(await run(["qemu-img", "create", "-q", "-f", "qcow2", machines.uefi.spareDisk!, "8G"]), "qemu-img create");
            spareBefore = sha256(machines.uefi.spareDisk!);
            for (const [k, m] of Object.entries(machines)) {
                if (m.medium === "network" && !m.nic!.netboot.bridge) continue; // no provisioning network: its tests fail, saying so
                courses[k] = course(m, INSTALL_TIMEOUT);
            }
        }, 300_000);

        it("installer on a disk with partitions: refuses, names the partitions and the overwrite setting, powers off, and the disk is unchanged", async () => {
            expect(await refusal.off, `no power-off:\n${tailOf(serialOf(refusal.vm), 2000)}`).toBe(true);
            expect(serialOf(refusal.vm)).toContain("REFUSED: /dev/vda is not empty (partitions: vda1); to install over it, set clusteros.overwrite=yes");
            expect(sha256(refusal.disk), "the refused disk's checksum").toBe(refusal.before);
        }, 600_000);

        it("installer on two empty disks, its medium naming no target: refuses the ambiguous target, names both disks, powers off, and neither disk changed", async () => {
            expect(await ambiguous.off, `no power-off:\n${tailOf(serialOf(ambiguous.vm), 2000)}`).toBe(true);
            const serial = serialOf(ambiguous.vm);
            expect(serial).toContain("REFUSED: the target is ambiguous: vda vdb (choose one with clusteros.target=NAME");
            expect(serial).toContain("nothing was written");
            expect(ambiguous.disks.map((d) => sha256(d.file)), "the disks' checksums").toEqual(ambiguous.disks.map((d) => d.before));
        }, 600_000);

        it("installer on an empty disk (UEFI, CD): installs unattended, having verified the image, written it, added the seed and the pre-seed, and powers off", async () => {
            const r = await courses.cd.installed;
            expect(r.off, `no power-off:\n${tailOf(r.serial)}`).toBe(true);
            console.log(`install from a CD (uefi) took ${r.seconds} s, side by side with the other machines`);
            for (const line of ["installed ClusterOS on /dev/vda", "NoCloud seed added from seed ", "network pre-seed added"]) expect(r.serial).toContain(line);
            // The image's empty space was zeroed by the disk, not copied (toolchain/unzstd).
            const zeroed = /\d+ bytes written to \/dev\/vda \((\d+) of them zeroed by the device\)/.exec(r.serial);
            expect(Number(zeroed?.[1] ?? 0), tailOf(r.serial)).toBeGreaterThan(0);
        }, COURSE_MS);

        describe("the installed disk alone, through OVMF", () => {
            const onMetal = (command: string) => onMachine(machines.cd.target, command);

            it("installed disk, uefi: boots through firmware alone and answers SSH with the seed's key", async () => {
                const b = await courses.cd.booted;
                expect(b.ssh, `no SSH:\n${tailOf(b.serial, 2000)}`).toBe(true);
            }, COURSE_MS);

            it("installed disk, uefi: cloud-init done, hostname from the seed", async () => {
                expect((await courses.cd.booted).hostname).toBe("metal-1");
            });

            it("installed disk, uefi: the kernel was started by UEFI firmware", async () => {
                expectOk(await onMetal("test -d /sys/firmware/efi"), "/sys/firmware/efi");
            });

            it("installed disk, uefi: the root file system was grown to the 6 GiB disk", async () => {
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
                const vm = (await courses.cd.booted).vm;
                expect(vm, "the installed disk was not booted").toBeDefined();
                await onMetal("sudo poweroff");
                expect(await vm!.powersOff(120)).toBe(true);
            }, 180_000);
        });

        describe("from a USB stick, uefi: install, then the disk alone through the same firmware", () => {
            it("USB stick, uefi: the installer finds its stick, installs unattended onto the smaller empty disk (never the stick), and powers off", async () => {
                const r = await courses.uefi.installed;
                expect(r.off, `no power-off:\n${tailOf(r.serial)}`).toBe(true);
                console.log(`install from a USB stick (uefi) took ${r.seconds} s, side by side with the other machines`);
                expect(r.serial).toMatch(/medium: \/dev\/sda\d* on disk \/dev\/sda,/);
                for (const line of ["target rules 'virtio,smallest' chose /dev/vda among: vda vdb", "target: /dev/vda", "installed ClusterOS on /dev/vda",
                    `NoCloud seed added from seeds/serial-${machines.uefi.serial} `]) expect(r.serial).toContain(line);
                expect(sha256(machines.uefi.spareDisk!), "the larger disk the rule left alone").toBe(spareBefore);
            }, COURSE_MS);

            it("USB stick, uefi: the installed disk boots alone and answers SSH with the seed's key", async () => {
                const b = await courses.uefi.booted;
                expect(b.ssh, `no SSH:\n${tailOf(b.serial, 2000)}`).toBe(true);
            }, COURSE_MS);

            it("USB stick, uefi: hostname from its own seed (by its serial number), started by UEFI firmware", async () => {
                const b = await courses.uefi.booted;
                expect(b.hostname).toBe(`metal-${machines.uefi.serial}`);
                expectOk(await onMachine(machines.uefi.target, "test -d /sys/firmware/efi"), "the firmware");
                await b.vm?.kill();
            }, 400_000);
        });

        for (const [k, firmware] of [["netBios", "bios"], ["netUefi", "uefi"]] as const) {
            describe(`over the network, ${firmware}: install from the provisioning network, then the disk alone through the same firmware`, () => {
                it(`network, ${firmware}: boots from the network, installs unattended over HTTP with its MAC's seed, and powers off`, async () => {
                    expect(courses[k], "no provisioning network (see the make up test above)").toBeDefined();
                    const r = await courses[k].installed;
                    expect(r.off, `no power-off:\n${tailOf(r.serial)}`).toBe(true);
                    console.log(`install over the network (${firmware}) took ${r.seconds} s, side by side with the other machines`);
                    // Over HTTP from the stack's server, with the MTU the network's DHCP gave the installer, not the firmware.
                    const fetched = r.serial.match(new RegExp(`medium: http://([0-9.]+):${NETBOOT_HTTP_PORT}/clusteros, fetched over \\S+ \\(([0-9.]+), MTU ${machines[k].nic!.netboot.mtu}\\)`));
                    expect(fetched, tailOf(r.serial)).not.toBeNull();
                    // The server's log: this machine's address fetched the whole image, and its own seed.
                    const log = fs.readFileSync(httpLog, "utf8");
                    const image = fs.statSync(path.join(dist(), "netboot", "clusteros", "clusteros-node.raw.zst")).size;
                    expect(log).toContain(` ${fetched![2]} GET /clusteros/clusteros-node.raw.zst 200 ${image}\n`);
                    expect(log).toContain(` ${fetched![2]} GET /clusteros/seeds/${MACS[k].replace(/:/g, "-")}/user-data 200 `);
                    for (const line of ["installed ClusterOS on /dev/vda", `NoCloud seed added from seeds/${MACS[k].replace(/:/g, "-")} `, "network pre-seed added"]) {
                        expect(r.serial).toContain(line);
                    }
                }, COURSE_MS);

                it(`network, ${firmware}: the installed disk boots alone, answers SSH with its seed's key, hostname from its MAC's seed, started by ${firmware === "uefi" ? "UEFI" : "BIOS"} firmware`, async () => {
                    const b = await courses[k].booted;
                    expect(b.ssh, `no SSH:\n${tailOf(b.serial, 2000)}`).toBe(true);
                    expect(b.hostname).toBe(`metal-net-${firmware}`);
                    expectOk(await onMachine(machines[k].target, firmware === "uefi" ? "test -d /sys/firmware/efi" : "test ! -d /sys/firmware/efi"), "the firmware");
                    await b.vm?.kill();
                }, COURSE_MS);
            });
        }
    });
});
