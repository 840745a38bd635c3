import { describe, expect, it } from "vitest";
import { ConfigError, HostChecks, RawConfig, validateConfig } from "../../components/plan/config";
import { projectDefaults } from "../../components/plan/defaults";
import { host, problemsOf } from "./helpers";

describe("validateConfig", () => {
    it("accepts the project defaults and fills in every key", () => {
        const cfg = validateConfig({}, host);
        expect(cfg.nodeCount).toBe(projectDefaults().nodeCount);
        expect(cfg.image).toEqual({ kind: "build", flavor: "ubuntu-24.04" });
        expect(cfg.nodeCidr.text).toBe(projectDefaults().nodeCidr);
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
        ["Kubernetes server index out of range", { nodeCount: 2, kubernetesServerNode: 3 }, "kubernetesServerNode", /beyond nodeCount \(2\)/],
        ["an unknown Kubernetes distribution", { kubernetes: "true" }, "kubernetes", /must be one of k3s, upstream, off/],
        ["a malformed pod CIDR", { podCidr: "10.244.0.0" }, "podCidr", /not an IPv4 CIDR/],
        ["a malformed service CIDR", { serviceCidr: "10.96.0.1/16" }, "serviceCidr", /network of 10\.96\.0\.1\/16 is 10\.96\.0\.0/],
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

/** The problems validateConfig reports for `raw` (on top of a buildable image), none when it accepts it. */
function problems(raw: RawConfig, checks: HostChecks = host) {
    try {
        validateConfig({ imageFlavor: "debian-12", ...raw }, checks);
        return [];
    } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).problems;
    }
}
const about = (key: string, raw: RawConfig, checks: HostChecks = host) => problems(raw, checks).filter((p) => p.key === key);

describe("kubernetes", () => {
    it("runs K3s unless told otherwise, and takes upstream and off", () => {
        expect(validateConfig({}, host).kubernetes).toBe("k3s");
        for (const k of ["k3s", "upstream", "off"]) expect(validateConfig({ kubernetes: k }, host).kubernetes).toBe(k);
        expect(validateConfig({}, host).kubernetesServerNode).toBe(1);
        expect(validateConfig({}, host).podCidr.text).toBe("10.244.0.0/16");
        expect(validateConfig({}, host).serviceCidr.text).toBe("10.96.0.0/16");
    });

    it("rejects the boolean it replaced", () => {
        const [p] = about("kubernetes", { kubernetes: "false" });
        expect(p.problem).toBe("must be one of k3s, upstream, off");
        expect(p.fix).toBe("pulumi config set kubernetes k3s");
    });

    it.each([
        ["k3s", true, "kubernetes", /pulumi config rm k3s && pulumi config set kubernetes k3s \(or off, for k3s: false\)/],
        ["k3s", "false", "kubernetes", /pulumi config rm k3s && pulumi config set kubernetes/],
        ["k3sServerNode", 2, "kubernetesServerNode", /pulumi config rm k3sServerNode && pulumi config set kubernetesServerNode <node number>/],
    ] as const)("names what replaced the old key %s (= %s) and how to move the stack over", (key, value, replacement, fix) => {
        const p = about(key, { [key]: value });
        expect(p).toEqual([{ key, value, problem: `was replaced by ${replacement}`, fix: expect.stringMatching(fix) }]);
        // Not mistaken for a misspelling of some other key.
        expect(p[0].problem).not.toMatch(/did you mean/);
    });

    it("says so in the error message a user reads", () => {
        expect(() => validateConfig({ imageFlavor: "debian-12", k3s: "true" }, host))
            .toThrow(/clusteros-lab:k3s = "true": was replaced by kubernetes\. Fix: pulumi config rm k3s && pulumi config set kubernetes k3s/);
    });
});

describe("Kubernetes networks", () => {
    // A /N holds 2^(24-N) /24s; node N takes the N-th, so the first (the range's own start) is never used.
    it.each([
        ["10.244.0.0/23", 1], ["10.244.0.0/22", 3], ["10.244.0.0/21", 7], ["10.244.0.0/24", 0], ["10.244.0.0/26", 0],
    ] as const)("fits as many nodes in podCidr %s as it has /24s after the first (%i)", (podCidr, fits) => {
        if (fits > 0) expect(about("podCidr", { podCidr, nodeCount: fits })).toEqual([]);
        const [p] = about("podCidr", { podCidr, nodeCount: fits + 1 });
        expect(p.value).toBe(podCidr);
        expect(p.problem).toBe(`holds ${fits} node pod subnets (/24, node N the N-th), not ${fits + 1}`);
        expect(p.fix).toMatch(/^use a larger range, e\.g\. pulumi config set podCidr 10\.244\.0\.0\/16$/);
    });

    it("rejects a pod range and a service range that overlap each other", () => {
        const [p] = about("serviceCidr", { podCidr: "10.244.0.0/16", serviceCidr: "10.244.128.0/20" });
        expect(p.problem).toBe("overlaps podCidr 10.244.0.0/16");
        expect(p.fix).toMatch(/pulumi config set serviceCidr 10\.96\.0\.0\/16/);
    });

    it.each([
        ["podCidr", "10.77.0.0/16", "nodeCidr", "10.77.0.0/24"],
        ["podCidr", "10.78.0.0/16", "wireguardCidr", "10.78.0.0/24"],
        ["serviceCidr", "10.77.0.0/20", "nodeCidr", "10.77.0.0/24"],
        ["serviceCidr", "10.78.0.0/20", "wireguardCidr", "10.78.0.0/24"],
    ] as const)("rejects %s %s over %s", (key, value, other, otherValue) => {
        const found = about(key, { [key]: value });
        expect(found).toContainEqual({
            key, value, problem: `overlaps ${other} ${otherValue}`,
            fix: `choose a separate range, e.g. pulumi config set ${key} ${key === "podCidr" ? "10.244.0.0/16" : "10.96.0.0/16"}`,
        });
    });

    it("takes Service ranges from /12 to /28, as kube-apiserver does", () => {
        for (const ok of ["10.96.0.0/12", "10.96.0.0/28"]) expect(about("serviceCidr", { serviceCidr: ok })).toEqual([]);
        for (const bad of ["10.96.0.0/11", "10.96.0.0/29"]) {
            const [p] = about("serviceCidr", { serviceCidr: bad });
            expect(p.problem).toBe("must have a prefix length from /12 to /28 (kube-apiserver's limits)");
            expect(p.fix).toBe("pulumi config set serviceCidr 10.96.0.0/16");
        }
    });

    it("leaves the Kubernetes ranges alone when Kubernetes is off", () => {
        const raw = { kubernetes: "off", podCidr: "10.77.0.0/16", serviceCidr: "10.77.0.0/29", nodeCount: 3 };
        expect(problems(raw)).toEqual([]);
        // The same ranges with Kubernetes on:
        expect(problems({ ...raw, kubernetes: "upstream" }).map((p) => `${p.key} ${p.problem}`)).toEqual([
            "serviceCidr must have a prefix length from /12 to /28 (kube-apiserver's limits)",
            "serviceCidr overlaps podCidr 10.77.0.0/16",
            "podCidr overlaps nodeCidr 10.77.0.0/24",
            "serviceCidr overlaps nodeCidr 10.77.0.0/24",
        ]);
    });
});

describe("the Kubernetes server's memory", () => {
    it.each([
        ["upstream", 2048], ["k3s", 1024],
    ] as const)("asks %s for at least %i MiB per node, naming the fix", (kubernetes, need) => {
        expect(about("nodeMemoryMiB", { kubernetes, nodeMemoryMiB: need })).toEqual([]);
        expect(about("nodeMemoryMiB", { kubernetes, nodeMemoryMiB: need - 1 })).toEqual([{
            key: "nodeMemoryMiB", value: need - 1,
            problem: `is too little for the ${kubernetes} Kubernetes server, which needs at least ${need} MiB`,
            fix: `pulumi config set nodeMemoryMiB ${need} (or pulumi config set kubernetes off)`,
        }]);
    });

    it("asks nothing beyond the bootable floor when Kubernetes is off", () => {
        expect(problems({ kubernetes: "off", nodeMemoryMiB: 512 })).toEqual([]);
    });
});

describe("the upstream Kubernetes bundle", () => {
    const withBundle = (found: { dir: string } | string) => {
        const calls: string[] = [];
        const checks: HostChecks = { ...host, kubernetesBundle: () => { calls.push("asked"); return found; } };
        return { checks, calls };
    };

    it("is required with kubernetes=upstream, saying why there is none and how to build it", () => {
        const { checks } = withBundle("no bundle in ~/.cache/clusteros-lab/kubernetes (inputs changed)");
        expect(about("kubernetes", { kubernetes: "upstream" }, checks)).toEqual([{
            key: "kubernetes", value: "upstream",
            problem: "needs the Kubernetes bundle, which is not built (no bundle in ~/.cache/clusteros-lab/kubernetes (inputs changed))",
            fix: expect.stringMatching(/^make kubernetes .*or pulumi config set kubernetes k3s$/),
        }]);
    });

    it("is found when built", () => {
        const { checks, calls } = withBundle({ dir: "/cache/kubernetes-0123abcd" });
        expect(problems({ kubernetes: "upstream" }, checks)).toEqual([]);
        expect(calls).toHaveLength(1);
    });

    it("is not looked for with K3s or without Kubernetes", () => {
        for (const kubernetes of ["k3s", "off"]) {
            const { checks, calls } = withBundle("not built");
            expect(problems({ kubernetes }, checks)).toEqual([]);
            expect(calls).toEqual([]);
        }
    });
});
