// The stack's provisioning network (config keys netbootCidr, netbootTree, netbootHttpPort): a
// libvirt network of its own on the main host, isolated (no forwarding, no route to any other
// network), whose dnsmasq gives machines that boot from the network an address and, over TFTP,
// make usb's network boot tree: GRUB for the firmware that asks (DHCP's client architecture),
// GRUB's menu, the installer, the image and the seeds. The same tree is also served over HTTP,
// at the same address (a static file server of the stack's: components/providers/tree-server.ts),
// for a tree that make usb pointed there (NETBOOT_HTTP=:PORT). It plays a rack's boot server; it
// never touches the user's LAN. Pure.
import { createHash } from "node:crypto";
import { Cidr, hostAddress } from "./cidr";
import { libvirtName } from "./names";
import { netbootServerFiles } from "./paths";

/**
 * The network boot tree's boot files, by firmware, as make usb writes them (grub-mknetdir in
 * lab/release/netboot-tree.ts): GRUB's PXE image for BIOS, its EFI image for UEFI.
 */
export const NETBOOT_BOOT_FILES = { bios: "boot/grub/i386-pc/core.0", uefi: "boot/grub/x86_64-efi/core.efi" } as const;

/** What makes a directory a network boot tree: GRUB's menu, which both boot files read. */
export const NETBOOT_MENU = "boot/grub/grub.cfg";

/**
 * The provisioning network's MTU, and the size of dnsmasq's packet buffer, which also caps a
 * TFTP block (its DNS is off). dnsmasq sends blocks of at most its interface's MTU less 32
 * bytes: with both, the installer (which asks for blocks as large as its own MTU allows) gets
 * 8968-byte blocks instead of 1468-byte ones, six times fewer round trips for the image.
 * Measured here (dnsmasq 2.89): 1468 bytes, 2261 with the MTU alone, 8962 with both.
 */
export const NETBOOT_MTU = 9000;
const DNSMASQ_PACKET_MAX = 16384;

/**
 * Firmware keeps to 1500-byte frames: only a DHCP client that sends no client architecture
 * (option 93, which PXE and UEFI network boot always send), the installer's, is told the
 * network's MTU (option 26). SeaBIOS's iPXE given a 9000-byte NIC got its address and never
 * loaded GRUB (measured).
 */
const FIRMWARE_TAG = "clusteros-firmware";

/** DHCP's client-architecture values (option 93, RFC 4578 and IANA) of x86-64 UEFI firmware. */
const UEFI_X64_ARCHITECTURES = [7, 9];
const UEFI_TAG = "clusteros-uefi";

export interface NetbootPlan {
    /** libvirt's name of the network. */
    name: string;
    /** Its Linux bridge (15 characters at most), where a machine's NIC is plugged. */
    bridge: string;
    cidr: string;
    /** The host's address on it: DHCP, TFTP, HTTP and the boot server GRUB fetches from. */
    server: string;
    /** The TCP port of the tree's HTTP server, at `server` (config key netbootHttpPort). */
    httpPort: number;
    /** The HTTP server's pid file and request log, on the host running Pulumi. */
    httpFiles: { pidFile: string; logFile: string };
    /** The tree served, absolute. */
    tree: string;
    /** Of the network: a machine's tap on it takes the same (libvirt does so for its own domains). */
    mtu: number;
    /** dnsmasq's own options (libvirt's dnsmasq:options): TFTP of the tree, a boot file per firmware. */
    dnsmasqOptions: { optionName: string; optionValue?: string }[];
}

/** netbootHttpPort's default: unprivileged, so a user's own process may serve it. */
export const NETBOOT_HTTP_PORT = 8080;

/** `tree`: absolute. */
export function planNetboot(project: string, stack: string, cidr: Cidr, tree: string, httpPort = NETBOOT_HTTP_PORT): NetbootPlan {
    const h = createHash("sha256").update(`${project}/${stack}/netboot`).digest("hex").slice(0, 8);
    const name = libvirtName(project, stack, "netboot");
    return {
        name,
        bridge: `clnb${h}`,
        cidr: cidr.text,
        server: hostAddress(cidr, 1),
        httpPort,
        httpFiles: netbootServerFiles(name),
        tree,
        mtu: NETBOOT_MTU,
        dnsmasqOptions: [
            { optionName: "enable-tftp" },
            { optionName: "edns-packet-max", optionValue: String(DNSMASQ_PACKET_MAX) },
            { optionName: "tftp-root", optionValue: tree },
            ...UEFI_X64_ARCHITECTURES.map((arch) => ({ optionName: "dhcp-match", optionValue: `set:${UEFI_TAG},option:client-arch,${arch}` })),
            { optionName: "dhcp-boot", optionValue: `tag:${UEFI_TAG},${NETBOOT_BOOT_FILES.uefi}` },
            { optionName: "dhcp-boot", optionValue: `tag:!${UEFI_TAG},${NETBOOT_BOOT_FILES.bios}` },
            { optionName: "dhcp-match", optionValue: `set:${FIRMWARE_TAG},option:client-arch` },
            { optionName: "dhcp-option-force", optionValue: `tag:!${FIRMWARE_TAG},option:mtu,${NETBOOT_MTU}` },
        ],
    };
}

/**
 * Who reads the tree: libvirt starts a network's dnsmasq as root without a user setting, and
 * dnsmasq drops to the user it was built with, nobody on Debian and Ubuntu. make usb grants
 * that user read access to the tree's private files (an ACL), and nobody else.
 */
export const NETBOOT_READER = "nobody";

/** The stack output netboot: where a machine's NIC goes, and what it is served. */
export interface NetbootOutput {
    network: string;
    bridge: string;
    cidr: string;
    server: string;
    /** The tree over HTTP: what make usb NETBOOT_HTTP=:PORT points GRUB and the installer at. */
    http: string;
    /** The HTTP server's request log: one line per file a machine fetched. */
    httpLog: string;
    tree: string;
    mtu: number;
    bootFiles: typeof NETBOOT_BOOT_FILES;
}

/** The base URL of the tree's HTTP server. */
export function netbootHttpUrl(p: Pick<NetbootPlan, "server" | "httpPort">): string {
    return `http://${p.server}:${p.httpPort}/`;
}

export const NO_NETBOOT = "no provisioning network (config key netbootCidr; docs/DEPLOYMENT.md)";

export function netbootOutput(p: NetbootPlan): NetbootOutput {
    return { network: p.name, bridge: p.bridge, cidr: p.cidr, server: p.server, http: netbootHttpUrl(p), httpLog: p.httpFiles.logFile, tree: p.tree, mtu: p.mtu, bootFiles: NETBOOT_BOOT_FILES };
}
