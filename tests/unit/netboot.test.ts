// The stack's provisioning network (netbootCidr, netbootTree): the settings' checks, which
// come before any resource, and what the plan gives libvirt's dnsmasq.
import { describe, expect, it } from "vitest";
import { HostChecks, validateConfig } from "../../components/plan/config";
import { parseCidr, Cidr } from "../../components/plan/cidr";
import { NETBOOT_BOOT_FILES, netbootHttpUrl, netbootOutput, planNetboot } from "../../components/plan/netboot";
import { host, problemsOf } from "./helpers";

const TREE = "/srv/clusteros/netboot";
const withTree: HostChecks = { ...host, isFile: (p) => p === `${TREE}/boot/grub/grub.cfg` || host.isFile(p) };

describe("netbootCidr and netbootTree", () => {
    it("are off by default: no provisioning network", () => {
        expect(validateConfig({ imageFlavor: "debian-12" }, host).netboot).toBeUndefined();
    });

    it("with a range and a tree make usb wrote, give the network's range and the tree, absolute", () => {
        const cfg = validateConfig({ imageFlavor: "debian-12", netbootCidr: "10.79.0.0/24", netbootTree: TREE }, withTree);
        expect(cfg.netboot?.cidr.text).toBe("10.79.0.0/24");
        expect(cfg.netboot?.tree).toBe(TREE);
    });

    it("refuse a directory that is no network boot tree, saying which file is missing and that make usb writes one", () => {
        const [p] = problemsOf({ netbootCidr: "10.79.0.0/24", netbootTree: "/srv/empty" }, withTree, "dev");
        expect(p.key).toBe("netbootTree");
        expect(p.problem).toContain("/srv/empty/boot/grub/grub.cfg is missing");
        expect(p.fix).toContain("make usb STACK=dev");
    });

    it("refuse a range that overlaps the nodes' or WireGuard's", () => {
        const problems = problemsOf({ netbootCidr: "10.77.0.0/16", netbootTree: TREE, nodeCidr: "10.77.0.0/24", wireguardCidr: "10.78.0.0/24" }, withTree);
        expect(problems.map((p) => [p.key, p.problem])).toEqual([["netbootCidr", "overlaps nodeCidr 10.77.0.0/24"]]);
    });

    it("refuse a range another network on the daemon uses, naming it and a free range", () => {
        const checks: HostChecks = { ...withTree, networksInUse: () => [{ owner: "libvirt network default", name: "default", cidr: "10.79.0.0/24" }] };
        const [p] = problemsOf({ netbootCidr: "10.79.0.0/24", netbootTree: TREE }, checks, "dev");
        expect(p.key).toBe("netbootCidr");
        expect(p.problem).toBe("overlaps libvirt network default (10.79.0.0/24) on qemu:///system");
        expect(p.fix).toMatch(/pulumi config set netbootCidr \d+\.\d+\.\d+\.\d+\/24/);
    });

    it("name a free range the stack's own ranges do not hold either, though they are not on the daemon yet", () => {
        const checks: HostChecks = { ...withTree, networksInUse: () => [{ owner: "libvirt network default", name: "default", cidr: "10.79.0.0/24" }] };
        const [p] = problemsOf({ netbootCidr: "10.79.0.0/24", netbootTree: TREE, nodeCidr: "10.64.0.0/24", wireguardCidr: "10.64.1.0/24", kubernetes: "off" }, checks, "dev");
        expect(p.fix).toBe("choose a free range, e.g. pulumi config set netbootCidr 10.64.2.0/24");
    });

    it("refuse a tree libvirt's dnsmasq cannot reach, saying why and where a tree can go", () => {
        const checks: HostChecks = { ...withTree, unreachableBy: (user, dir) => (dir === TREE && user === "nobody" ? "/srv/clusteros is mode 0700: others may not enter it" : undefined) };
        const [p] = problemsOf({ netbootCidr: "10.79.0.0/24", netbootTree: TREE }, checks, "dev");
        expect(p.key).toBe("netbootTree");
        expect(p.problem).toContain("(user nobody): /srv/clusteros is mode 0700");
        expect(p.fix).toContain("setfacl -m u:nobody:x");
        expect(p.fix).toContain("make usb DIST_DIR=");
    });

    it("serve the tree over HTTP at port 8080 by default, or the port netbootHttpPort names", () => {
        expect(validateConfig({ imageFlavor: "debian-12", netbootCidr: "10.79.0.0/24", netbootTree: TREE }, withTree).netboot?.httpPort).toBe(8080);
        expect(validateConfig({ imageFlavor: "debian-12", netbootCidr: "10.79.0.0/24", netbootTree: TREE, netbootHttpPort: "8181" }, withTree).netboot?.httpPort).toBe(8181);
    });

    it("refuse a privileged port, which a user's own server may not bind", () => {
        const [p] = problemsOf({ netbootCidr: "10.79.0.0/24", netbootTree: TREE, netbootHttpPort: 80 }, withTree);
        expect([p.key, p.problem]).toEqual(["netbootHttpPort", "must be a whole number from 1024 to 65535"]);
    });

    it("refuse a port a server holds on every address of the host, naming it and another port", () => {
        const checks: HostChecks = { ...withTree, wildcardListener: (port) => (port === 8080 ? "a server listens on 0.0.0.0:8080" : undefined) };
        const [p] = problemsOf({ netbootCidr: "10.79.0.0/24", netbootTree: TREE }, checks, "dev");
        expect(p.key).toBe("netbootHttpPort");
        expect(p.problem).toContain("(a server listens on 0.0.0.0:8080)");
        expect(p.fix).toContain("pulumi config set netbootHttpPort 8081");
        expect(p.fix).toContain("make usb NETBOOT_HTTP=:PORT");
        expect(validateConfig({ imageFlavor: "debian-12", netbootCidr: "10.79.0.0/24", netbootTree: TREE, netbootHttpPort: 8081 }, checks).netboot?.httpPort).toBe(8081);
    });

    it("refuse a main host other than this one: the tree and its HTTP server are this host's", () => {
        const [p] = problemsOf({ netbootCidr: "10.79.0.0/24", netbootTree: TREE, libvirtUri: "qemu+ssh://admin@rack1/system" }, withTree);
        expect(p.key).toBe("netbootCidr");
        expect(p.problem).toContain("libvirtUri is qemu+ssh://admin@rack1/system");
        expect(validateConfig({ imageFlavor: "debian-12", netbootCidr: "10.79.0.0/24", netbootTree: TREE, libvirtUri: "qemu:///system" }, withTree).netboot).toBeDefined();
    });

    it("refuse a malformed range with an example", () => {
        const [p] = problemsOf({ netbootCidr: "10.79.0/24", netbootTree: TREE }, withTree);
        expect([p.key, p.fix]).toEqual(["netbootCidr", "pulumi config set netbootCidr 10.79.0.0/24"]);
    });
});

describe("planNetboot", () => {
    const plan = planNetboot("clusteros-lab", "dev", parseCidr("10.79.0.0/24") as Cidr, TREE);
    /** dnsmasq's options as libvirt writes them into its configuration: NAME or NAME=VALUE. */
    const opts = plan.dnsmasqOptions.map((o) => (o.optionValue === undefined ? o.optionName : `${o.optionName}=${o.optionValue}`));

    it("names the network after the stack, on a bridge name Linux accepts, the host at .1 as the boot server", () => {
        expect(plan.name).toBe("clusteros-lab-dev-netboot");
        expect(plan.bridge.length).toBeLessThanOrEqual(15);
        expect(plan.bridge).not.toBe(planNetboot("clusteros-lab", "other", parseCidr("10.79.0.0/24") as Cidr, TREE).bridge);
        expect(plan.server).toBe("10.79.0.1");
    });

    it("serves the tree over TFTP, GRUB's EFI image to UEFI clients (architectures 7 and 9) and its PXE image to the others", () => {
        expect(opts).toContain("enable-tftp");
        expect(opts).toContain(`tftp-root=${TREE}`);
        const tag = (arch: number) => opts.find((o) => o.startsWith("dhcp-match=") && o.endsWith(`option:client-arch,${arch}`))?.match(/set:([^,]+)/)?.[1];
        expect(tag(7)).toBeDefined();
        expect(tag(9)).toBe(tag(7));
        expect(opts).toContain(`dhcp-boot=tag:${tag(7)},${NETBOOT_BOOT_FILES.uefi}`);
        expect(opts).toContain(`dhcp-boot=tag:!${tag(7)},${NETBOOT_BOOT_FILES.bios}`);
    });

    it("serves the tree over HTTP at the boot server's address, its request log private to the lab's state", () => {
        expect(plan.httpPort).toBe(8080);
        expect(netbootHttpUrl(plan)).toBe("http://10.79.0.1:8080/");
        expect(netbootOutput(plan)).toMatchObject({ server: "10.79.0.1", http: "http://10.79.0.1:8080/", httpLog: plan.httpFiles.logFile });
        expect(plan.httpFiles.pidFile).toMatch(/clusteros-lab\/netboot\/clusteros-lab-dev-netboot\.pid$/);
    });

    it("sends the installer the image in jumbo TFTP blocks, and the firmware none: the MTU goes to DHCP clients without a client architecture", () => {
        expect(plan.mtu).toBe(9000);
        expect(Number(plan.dnsmasqOptions.find((o) => o.optionName === "edns-packet-max")?.optionValue)).toBeGreaterThanOrEqual(plan.mtu);
        const firmware = opts.find((o) => /^dhcp-match=set:[^,]+,option:client-arch$/.test(o))?.match(/set:([^,]+)/)?.[1];
        expect(firmware).toBeDefined();
        expect(opts.filter((o) => o.includes("option:mtu"))).toEqual([`dhcp-option-force=tag:!${firmware},option:mtu,9000`]);
    });
});
