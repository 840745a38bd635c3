// The network install's tree, netboot/, for a TFTP (and HTTP) server to serve as it is: GRUB's
// network images (boot/grub/i386-pc/core.0 for BIOS PXE, boot/grub/x86_64-efi/core.efi for
// UEFI: components/plan/netboot.ts NETBOOT_BOOT_FILES) with their modules, its menu
// (images/installer/grub-net.cfg) and where it fetches from (boot/grub/netboot.cfg: the boot
// server over TFTP, or over HTTP from NETBOOT_HTTP: HOST, HOST:PORT, or :PORT for the boot
// server itself at that port, as a stack's provisioning network serves it), and the medium's
// clusteros/ directory, which GRUB and the installer fetch: hard links to the medium's files,
// not a second copy of the image.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../components/plan/paths";
import { LabError } from "../errors";

/** Whether NETBOOT_HTTP is a server the tree can name: HOST, HOST:PORT or :PORT (or nothing: TFTP). */
export function netbootHttpProblem(http: string | undefined): string | undefined {
    if (!http) return undefined;
    return /^([A-Za-z0-9.-]*(:[0-9]{1,5})?)?$/.test(http) && http !== ":" ? undefined
        : `NETBOOT_HTTP=${http}: give HOST, HOST:PORT or :PORT (the boot server itself, e.g. :8080 for a stack's provisioning network)`;
}

/** boot/grub/netboot.cfg: where GRUB and the installer fetch the medium's files from. */
export function netbootCfg(http: string | undefined): string {
    // GRUB expands ${net_default_server}: the server GRUB itself came from.
    if (!http) return 'set clusteros_proto="tftp"\nset clusteros_server="${net_default_server}"\n';
    return `set clusteros_proto="http"\nset clusteros_server="${http.startsWith(":") ? "${net_default_server}" + http : http}"\n`;
}

/** Writes `work`/netboot from the medium's directory `medium`; its path. */
export function netbootTree(work: string, medium: string, http: string | undefined): string {
    const net = path.join(work, "netboot");
    for (const platform of ["i386-pc", "x86_64-efi"]) {
        const r = spawnSync("grub-mknetdir", [`--net-directory=${net}`, "--subdir=boot/grub", "-d", `/usr/lib/grub/${platform}`], { encoding: "utf8" });
        if (r.status !== 0) throw new LabError(`${r.stderr}grub-mknetdir (${platform}) failed (make setup installs grub-pc-bin, grub-efi-amd64-bin)`);
    }
    fs.copyFileSync(path.join(PROJECT_ROOT, "images", "installer", "grub-net.cfg"), path.join(net, "boot", "grub", "grub.cfg"));
    fs.writeFileSync(path.join(net, "boot", "grub", "netboot.cfg"), netbootCfg(http));
    execFileSync("cp", ["-al", medium, path.join(net, "clusteros")]);
    return net;
}

/**
 * Makes `dir` readable by its owner and by `reader` alone (an ACL): a tree that holds seeds
 * or a pre-seed holds secrets, which the provisioning network's dnsmasq serves as `reader`.
 */
export function privateTree(dir: string, reader: string): void {
    execFileSync("chmod", ["-R", "go-rwx", dir]);
    if (spawnSync("id", ["-u", reader], { stdio: "ignore" }).status !== 0) return;
    const r = spawnSync("setfacl", ["-R", "-m", `u:${reader}:rX`, dir], { encoding: "utf8" });
    if (r.error) throw new LabError(`setfacl is missing (make setup installs acl): the network boot tree holds secrets, for ${reader} alone to serve`);
    if (r.status !== 0) throw new LabError(`setfacl on ${dir} failed: ${r.stderr.trim()}`);
}
