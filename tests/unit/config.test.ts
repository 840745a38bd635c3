import { describe, expect, it } from "vitest";
import { ConfigError, HostChecks, RawConfig, validateConfig } from "../../components/plan/config";
import { projectDefaults } from "../../components/plan/defaults";
import { host } from "./helpers";

function problemsOf(raw: RawConfig, checks: HostChecks = host) {
    try {
        validateConfig(raw, checks);
    } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).problems;
    }
    throw new Error("config was accepted");
}

describe("validateConfig", () => {
    it("accepts the project defaults and fills in every key", () => {
        const cfg = validateConfig({}, host);
        expect(cfg.nodeCount).toBe(projectDefaults.nodeCount);
        expect(cfg.image).toEqual({ kind: "build", flavor: "ubuntu-24.04" });
        expect(cfg.nodeCidr.text).toBe(projectDefaults.nodeCidr);
        expect(cfg.slurm).toBe(true);
    });

    it("parses the strings Pulumi hands over", () => {
        const cfg = validateConfig({ nodeCount: "5", slurm: "false", sshPublicKeys: '["ssh-ed25519 AAAAC3Nz me@host"]' }, host);
        expect(cfg.nodeCount).toBe(5);
        expect(cfg.slurm).toBe(false);
        expect(cfg.sshPublicKeys).toEqual(["ssh-ed25519 AAAAC3Nz me@host"]);
    });

    const bad: [string, RawConfig, string, RegExp][] = [
        ["no nodes", { nodeCount: 0 }, "nodeCount", /from 1 to 64/],
        ["65 nodes", { nodeCount: 65 }, "nodeCount", /from 1 to 64/],
        ["fractional nodes", { nodeCount: "2.5" }, "nodeCount", /whole number/],
        ["memory below the bootable floor", { nodeMemoryMiB: 256 }, "nodeMemoryMiB", /from 512/],
        ["zero vCPUs", { nodeVcpus: 0 }, "nodeVcpus", /from 1 to 64/],
        ["disk smaller than the image", { nodeDiskGiB: 2 }, "nodeDiskGiB", /from 4/],
        ["unknown domain type", { domainType: "xen" }, "domainType", /one of kvm, qemu/],
        ["unknown firmware", { firmware: "efi" }, "firmware", /one of bios, uefi/],
        ["malformed node CIDR", { nodeCidr: "10.77.0/24" }, "nodeCidr", /not an IPv4 CIDR/],
        ["host bits in node CIDR", { nodeCidr: "10.77.0.5/24" }, "nodeCidr", /network of 10\.77\.0\.5\/24 is 10\.77\.0\.0/],
        ["malformed WireGuard CIDR", { wireguardCidr: "fd00::/64" }, "wireguardCidr", /not an IPv4 CIDR/],
        ["overlapping CIDRs", { nodeCidr: "10.0.0.0/16", wireguardCidr: "10.0.8.0/24" }, "wireguardCidr", /overlaps nodeCidr/],
        ["node subnet too small for N", { nodeCount: 8, nodeCidr: "10.77.0.0/28" }, "nodeCidr", /at most 5 nodes/],
        ["WireGuard subnet too small for N", { nodeCount: 8, wireguardCidr: "10.78.0.0/29" }, "wireguardCidr", /at most 6 WireGuard/],
        ["unknown flavor", { imageFlavor: "fedora-40" }, "imageFlavor", /not a known flavor/],
        ["image path and flavor both set", { imageFlavor: "debian-12", imagePath: "/images/prebuilt.qcow2" }, "imagePath", /together with imageFlavor/],
        ["missing prebuilt image", { imagePath: "/nope.qcow2" }, "imagePath", /not an existing image file/],
        ["missing node-agent file", { nodeAgentPath: "/nope/agent" }, "nodeAgentPath", /not an existing file/],
        ["live delivery without an agent", { nodeAgentDelivery: "live" }, "nodeAgentDelivery", /needs a node-agent/],
        ["controller index out of range", { nodeCount: 3, controllerNode: 4 }, "controllerNode", /beyond nodeCount \(3\)/],
        ["K3s server index out of range", { nodeCount: 2, k3sServerNode: 3 }, "k3sServerNode", /beyond nodeCount \(2\)/],
        ["WireGuard port out of range", { wireguardPort: 70000 }, "wireguardPort", /from 1 to 65535/],
        ["malformed SSH key", { sshPublicKeys: ["not-a-key"] }, "sshPublicKeys[0]", /OpenSSH public key/],
        ["root as admin user", { adminUser: "root" }, "adminUser", /other than root/],
        ["malformed K3s version", { k3sVersion: "latest" }, "k3sVersion", /K3s release tag/],
        ["non-boolean switch", { slurm: "yes" }, "slurm", /true or false/],
        ["bad libvirt URI", { libvirtUri: "localhost" }, "libvirtUri", /not a libvirt URI/],
        ["a misspelt key", { nodecount: "5" }, "nodecount", /is not a clusteros-lab setting \(did you mean nodeCount\?\)/],
        ["an unknown key", { flavour: "x", imageFlavour: "debian-12" }, "imageFlavour", /did you mean imageFlavor\?/],
    ];

    it.each(bad)("rejects %s, naming the key, the value and a fix", (_name, raw, key, message) => {
        const problems = problemsOf(raw);
        const p = problems.find((x) => x.key === key);
        expect(p, `no problem reported for ${key}: ${JSON.stringify(problems)}`).toBeDefined();
        expect(p!.problem).toMatch(message);
        expect(p!.fix).toMatch(/pulumi config|build the node-agent/);
    });

    it("asks for OVMF when a stack wants UEFI on a host without it", () => {
        const p = problemsOf({ imageFlavor: "debian-12", firmware: "uefi" }, { isFile: () => false }).find((x) => x.key === "firmware")!;
        expect(p.problem).toBe("needs OVMF (/usr/share/OVMF/OVMF_CODE_4M.fd is missing)");
        expect(p.fix).toMatch(/apt-get install ovmf.*or pulumi config set firmware bios/);
    });

    it("says a key it cannot place is unknown, without guessing", () => {
        const p = problemsOf({ bananas: "3" }).find((x) => x.key === "bananas")!;
        expect(p.problem).toBe("is not a clusteros-lab setting");
        expect(p.fix).toMatch(/pulumi config rm bananas/);
    });

    it("reports every problem in one error, with key, value and fix in its message", () => {
        try {
            validateConfig({ nodeCount: 0, domainType: "xen", nodeCidr: "bogus" }, host);
            throw new Error("accepted");
        } catch (e) {
            const err = e as ConfigError;
            expect(err.problems.map((p) => p.key)).toEqual(["nodeCount", "domainType", "nodeCidr"]);
            expect(err.message).toContain("3 problems");
            expect(err.message).toContain('clusteros-lab:domainType = "xen"');
            expect(err.message).toContain("Fix: pulumi config set domainType kvm");
        }
    });
});
