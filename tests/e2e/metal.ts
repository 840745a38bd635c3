// The installer test's "bare metal": plain QEMU VMs (qemu.ts), each one machine that installs
// from the installer ISO, or over a stack's provisioning network, onto an empty disk, then
// boots that disk alone through the same firmware. The machines run side by side: each is one
// vCPU under TCG, and the test stack's nodes are paused meanwhile (installer.test.ts), so two
// cores serve them all. A machine's whole course
// is one promise that never rejects; the tests await it and assert on what it saw.
import * as fs from "node:fs";
import { spawnCollect } from "../../components/exec/spawn";
import { sshArgv, SshTarget } from "../../components/exec/ssh";
import type { Firmware } from "../../components/plan/config-types";
import { OVMF } from "../../components/plan/firmware";
import { eventually, run, workFile } from "./context";
import { PlainVm } from "./qemu";

export type Medium = "cd" | "usb" | "network";

export interface Machine {
    /** Names its VMs, disk, variable store and serial logs in the scratch directory. */
    name: string;
    firmware: Firmware;
    medium: Medium;
    /** Where the installed machine's SSH is forwarded, with the seed's user and key. */
    target: SshTarget;
    /** The serial number its firmware reports (SMBIOS), which names its own seed on the medium. */
    serial?: string;
    /** A second, larger empty disk (qcow2) the target rules must leave alone. */
    spareDisk?: string;
    /** The scratch directory of its medium (make usb's DIST_DIR): dist unless it has another medium. */
    dist?: string;
    /**
     * Its NIC's MAC address (which names its seed) and the network it is plugged into: with medium
     * "network", the provisioning network, for the install only; with a medium, a LAN (a stack's
     * node network) it stays on, from the install to the installed disk's boot (bootOnNetwork).
     */
    nic?: { mac: string; netboot: NetbootPort };
}

/** Where a machine's NIC goes: a libvirt network's bridge, in the daemon's namespace ("" for this one). */
export interface NetbootPort {
    bridge: string;
    netns: string;
    /** The network's MTU, which the machine's tap takes (the stack's netboot output). */
    mtu: number;
}

export interface Installed {
    /** The installer powered the machine off by itself within the timeout. */
    off: boolean;
    seconds: number;
    serial: string;
}

export interface Booted {
    /** SSH answered with the seed's key. */
    ssh: boolean;
    /** cloud-init reported done, and this hostname then (empty if it never did). */
    hostname: string;
    serial: string;
    vm?: PlainVm;
}

const vms: PlainVm[] = [];
export const killAll = () => Promise.all(vms.map((v) => v.kill()));
const vm = (name: string, args: string[], netns = "") => { const v = new PlainVm(name, workFile(`${name}.log`), args, netns); vms.push(v); return v; };
export const serialOf = (v: PlainVm) => (fs.existsSync(v.serialLog) ? fs.readFileSync(v.serialLog, "latin1") : "");

/** The installer ISO that make usb wrote into the scratch directory `dist`. */
export const iso = (dist = "dist") => workFile(`${dist}/clusteros-installer.iso`);
export const diskOf = (m: Machine) => workFile(`${m.name}.qcow2`);
const cdrom = (file: string) => ["-drive", `file=${file},media=cdrom,readonly=on`, "-boot", "once=d"];
/** The ISO as a USB stick, as `dd` writes it: a removable USB disk on xHCI, first to boot. */
const usbStick = (file: string) => ["-device", "qemu-xhci,id=xhci", "-drive", `if=none,id=stick,file=${file},format=raw,readonly=on`,
    "-device", "usb-storage,bus=xhci.0,drive=stick,removable=on,bootindex=0"];

/** The machine's tap device on the provisioning network's bridge (15 characters at most). */
const tapOf = (m: Machine) => `clnbt-${m.name}`.slice(0, 15);
const inNetns = (netns: string, argv: string[]) => (netns ? ["ip", "netns", "exec", netns, ...argv] : argv);

/**
 * Plugs the machine's tap device into the provisioning network's bridge, as a cable into a
 * rack's switch (created anew, so a run killed before it is removed leaves no stale one here).
 */
async function plugIn(m: Machine): Promise<void> {
    const { bridge, netns, mtu } = m.nic!.netboot;
    const tap = tapOf(m);
    await run(inNetns(netns, ["ip", "link", "del", tap]));
    // The MTU first: a port's smaller one would lower the bridge's. The NIC keeps 1500 until
    // the installer's DHCP gives it the network's (components/plan/netboot.ts).
    for (const argv of [["ip", "tuntap", "add", "dev", tap, "mode", "tap"], ["ip", "link", "set", tap, "mtu", String(mtu)],
        ["ip", "link", "set", tap, "master", bridge, "up"]]) {
        const r = await run(inNetns(netns, argv));
        if (r.code !== 0) throw new Error(`${argv.join(" ")}: ${r.output}`);
    }
}

export const unplug = (m: Machine) => run(inNetns(m.nic!.netboot.netns, ["ip", "link", "del", tapOf(m)]));

/** The machine's NIC on its tap device; the firmware boots from it first when `boot`. */
const tapNic = (m: Machine, boot: boolean) =>
    ["-netdev", `tap,id=prov,ifname=${tapOf(m)},script=no,downscript=no`, "-device", `virtio-net-pci,netdev=prov,mac=${m.nic!.mac}${boot ? ",bootindex=0" : ""}`];

/**
 * The installer medium as the machine has it, and no other network (an install from a medium
 * needs none) but its LAN if it has one; or, for a network install, a NIC on the provisioning
 * network that the firmware boots from first (PXE on SeaBIOS, network boot on OVMF), and no medium.
 */
export function mediumArgs(m: Machine): string[] {
    if (m.medium === "network") return tapNic(m, true);
    return [...(m.medium === "cd" ? cdrom(iso(m.dist)) : usbStick(iso(m.dist))), ...(m.nic ? tapNic(m, false) : ["-nic", "none"])];
}

/** SeaBIOS (QEMU's default), or OVMF with a variable store of the VM's own, made fresh from the template. */
function firmwareArgs(firmware: Firmware, vmName: string): string[] {
    if (firmware === "bios") return [];
    const vars = workFile(`${vmName}-vars.fd`);
    if (!fs.existsSync(vars)) fs.copyFileSync(OVMF.varsTemplate, vars);
    return ["-drive", `if=pflash,format=raw,readonly=on,file=${OVMF.code}`, "-drive", `if=pflash,format=raw,file=${vars}`];
}

/**
 * A VM that boots `args`' media through the machine's firmware. Each VM has a fresh UEFI
 * variable store, so OVMF takes the removable-media path, on the stick and then on the
 * installed disk: the installer writes no boot entry, and OVMF, its NVRAM kept from the
 * install, would boot its built-in shell before the disk it did not know (seen 2026-12-03).
 */
export const machineVm = (m: Machine, role: string, args: string[]) => {
    const name = `${role}-${m.name}`;
    // A network install holds the compressed image in memory (about 400 MB) besides the installer.
    const netns = m.nic && (role === "install" || m.medium !== "network") ? m.nic.netboot.netns : "";
    return vm(name, [...firmwareArgs(m.firmware, name), ...(m.serial ? ["-smbios", `type=1,serial=${m.serial}`] : []),
        ...(m.medium === "network" ? ["-m", "1536"] : []), ...args], netns);
};

/** A command on the installed machine, as the seed's user with the seed's key. */
export const onMachine = (target: SshTarget, command: string) => spawnCollect(sshArgv(target, "batch", [command]));

/** The unattended install onto a new empty 6 GiB disk (beside the spare disk, if any), the medium attached as `m.medium`, no network. */
export async function install(m: Machine, timeoutSeconds: number): Promise<Installed> {
    const made = await run(["qemu-img", "create", "-q", "-f", "qcow2", diskOf(m), "6G"]);
    if (made.code !== 0) return { off: false, seconds: 0, serial: `qemu-img create: ${made.output}` };
    if (m.nic) await plugIn(m);
    const start = Date.now();
    const spare = m.spareDisk ? ["-drive", `file=${m.spareDisk},if=virtio,format=qcow2`] : [];
    const installer = machineVm(m, "install", ["-drive", `file=${diskOf(m)},if=virtio,format=qcow2`, ...spare, ...mediumArgs(m)]);
    const off = await installer.powersOff(timeoutSeconds);
    if (m.nic) await unplug(m);
    return { off, seconds: Math.round((Date.now() - start) / 1000), serial: serialOf(installer) };
}

/**
 * The installed disk booted alone through the machine's firmware, SSH forwarded to its target's
 * port on QEMU's user network, until SSH answers and then cloud-init is done. The VM is left
 * running for the tests' own commands.
 */
export async function bootInstalled(m: Machine, sshSeconds: number, cloudInitSeconds: number): Promise<Booted> {
    const v = machineVm(m, "metal", ["-drive", `file=${diskOf(m)},if=virtio,format=qcow2`,
        "-netdev", `user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:${m.target.port}-:22`, "-device", "virtio-net-pci,netdev=n0"]);
    const ssh = await eventually(sshSeconds, async () => (await onMachine(m.target, "true")).code === 0);
    let hostname = "";
    if (ssh) {
        // cloud-init's last stages run after SSH answers: wait for the result cloud-init writes
        // at their end in the machine, then ask `cloud-init status` once. Asked every 5 s from
        // here, each time over a new SSH connection, it cost the machine about as much CPU
        // under TCG as the stages it waited for (its Python takes seconds to start).
        await eventually(cloudInitSeconds, async () => {
            hostname = (await onMachine(m.target, `${untilFile("/run/cloud-init/result.json", 120)} cloud-init status | grep -q done && hostname`)).stdout.trim();
            return hostname !== "";
        });
    }
    return { ssh, hostname, serial: serialOf(v), vm: v };
}

/** A shell command, for a machine's shell, that waits until `file` exists, at most `seconds` (one process a second). */
const untilFile = (file: string, seconds: number) => `i=0; while [ ! -e ${file} ] && [ $i -lt ${seconds} ]; do sleep 1; i=$((i + 1)); done;`;

/** The installed disk booted alone through the machine's firmware, its NIC on its LAN again; left running. */
export async function bootOnNetwork(m: Machine): Promise<PlainVm> {
    await plugIn(m);
    return machineVm(m, "metal", ["-drive", `file=${diskOf(m)},if=virtio,format=qcow2`, ...tapNic(m, false)]);
}

/** A machine's whole course, install then boot; the boot only when the install powered off. */
export function course(m: Machine, installSeconds: number): { installed: Promise<Installed>; booted: Promise<Booted> } {
    const installed = install(m, installSeconds).catch((e): Installed => ({ off: false, seconds: 0, serial: String(e) }));
    const booted = installed.then((i) => (i.off ? bootInstalled(m, 600, 300) : { ssh: false, hostname: "", serial: "(not booted: the install did not power off)" }))
        .catch((e): Booted => ({ ssh: false, hostname: "", serial: String(e) }));
    return { installed, booted };
}
