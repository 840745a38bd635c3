// The Cluster component under Pulumi's mocks: what `pulumi up` would register.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import { bareMetalOutput, bareMetalSeedsOutput } from "../../components/bare-metal-output";
import { NOT_SET } from "../../components/plan/bare-metal";
import { NO_SEEDS } from "../../components/plan/bare-metal-nodes";
import { Cidr, parseCidr } from "../../components/plan/cidr";
import { ClusterConfig } from "../../components/plan/config";
import { config } from "./helpers";

interface Registered {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    /** The provider reference (URN::id) a resource was given, if any. */
    provider?: string;
}

let registered: Registered[] = [];

const RANDOM = { base64: "c2VjcmV0LWJ5dGVzLWZvci10ZXN0cy0xMjM0NTY3ODk=", hex: "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa00" };
const CA_KEY = "-----BEGIN EC PRIVATE KEY-----\nmock-ca-key\n-----END EC PRIVATE KEY-----\n";
const CA_CERT = "-----BEGIN CERTIFICATE-----\nmock-ca-cert\n-----END CERTIFICATE-----\n";
const dynamicOutputs: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>> = {
    RandomBytes: (inputs) => ({ value: RANDOM[inputs.encoding as keyof typeof RANDOM] }),
    SshKeyPair: () => ({ privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nmock\n", publicKey: "ssh-ed25519 AAAAmock lab" }),
    PrivateKey: () => ({ privateKeyPem: CA_KEY, publicKeyPem: "-----BEGIN PUBLIC KEY-----\nmock\n" }),
    SelfSignedCert: () => ({ certPem: CA_CERT, validityEndTime: "2036-11-24T00:00:00.000Z" }),
};
/** The upstream Kubernetes bundle, as `make kubernetes` would leave it (never read: its name is its hash). */
const BUNDLE = { dir: "/nonexistent/kubernetes-0123456789abcdef", version: "v1.37.2" };

pulumi.runtime.setMocks(
    {
        newResource(args) {
            registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
            // Dynamic resources register as pulumi-nodejs:<module>:<type>.
            const extra = dynamicOutputs[args.type.split(":")[2]]?.(args.inputs) ?? {};
            const id = args.type.startsWith("libvirt:") ? `/var/lib/libvirt/images/${args.inputs.name ?? args.name}` : `${args.name}-id`;
            return { id, state: { ...args.inputs, ...extra } };
        },
        call: () => ({}),
    },
    "clusteros-lab",
    "unit",
    false,
);

async function resolve<T>(o: pulumi.Output<T>): Promise<{ value: T; secret: boolean }> {
    return new Promise((res) => {
        pulumi.all([o, pulumi.isSecret(o)]).apply(([value, secret]) => res({ value: value as T, secret }));
    });
}

async function deploy(cfg: ClusterConfig, kubernetes?: typeof BUNDLE) {
    registered = [];
    const { Cluster } = await import("../../components/cluster");
    const { planCluster } = await import("../../components/plan/cluster-plan");
    const files = { read: (p: string) => fs.readFileSync(p), cacheDir: path.join(os.tmpdir(), "clusteros-lab-unit-cache"), kubernetes };
    const cluster = new Cluster(`clusteros-lab-unit`, { plan: planCluster("clusteros-lab", "unit", cfg, files) });
    await new Promise((r) => setTimeout(r, 300));
    // Wait until registrations settle.
    let last = -1;
    while (last !== registered.length) {
        last = registered.length;
        await new Promise((r) => setTimeout(r, 200));
    }
    return cluster;
}

const count = (type: string) => registered.filter((r) => r.type === type).length;

describe.each([1, 3, 5])("a %i-node cluster", (n) => {
    let cluster: Awaited<ReturnType<typeof deploy>>;
    beforeEach(async () => {
        cluster = await deploy(config({ nodeCount: n, nodeAgentPath: undefined }));
    });

    it("registers one pool, one network, a base image and a disk, seed ISO and domain per node", () => {
        expect(count("libvirt:index/pool:Pool")).toBe(1);
        expect(count("libvirt:index/network:Network")).toBe(1);
        expect(count("libvirt:index/domain:Domain")).toBe(n);
        // The provider's CloudInitDisk reads ISOs back on refresh and flakes: seeds are plain volumes.
        expect(count("libvirt:index/cloudInitDisk:CloudInitDisk")).toBe(0);
        expect(registered.filter((r) => r.type.endsWith(":SeedIso"))).toHaveLength(n);
        // the base + a disk and a seed per node: no kernel or initrd, nodes boot their disk
        expect(count("libvirt:index/volume:Volume")).toBe(1 + 2 * n);
        expect(count("clusteros:lab:ClusterNode")).toBe(n);
    });

    it("attaches each node's seed as a second disk and keeps the volumes with secrets 0600", () => {
        const vols = registered.filter((r) => r.type === "libvirt:index/volume:Volume");
        const seeds = vols.filter((v) => String(v.inputs.name).endsWith(".iso"));
        const disks = vols.filter((v) => String(v.inputs.name).endsWith("-disk.qcow2"));
        expect(seeds).toHaveLength(n);
        for (const v of [...seeds, ...disks]) {
            expect(String((v.inputs.xml as { xslt: string }).xslt)).toContain("<mode>0600</mode>");
        }
        for (const d of registered.filter((r) => r.type === "libvirt:index/domain:Domain")) {
            const node = String(d.inputs.name);
            expect((d.inputs.disks as { volumeId: string }[]).map((x) => x.volumeId.replace(/-cidata-[0-9a-f]+\.iso$/, "-cidata.iso")))
                .toEqual([`/var/lib/libvirt/images/${node}-disk.qcow2`, `/var/lib/libvirt/images/${node}-cidata.iso`]);
        }
        for (const seed of registered.filter((r) => r.type.endsWith(":SeedIso"))) {
            expect(String(seed.inputs.dir)).toMatch(/clusteros-lab\/seeds\/clusteros-lab-unit$/);
        }
    });

    it("boots every node from its disk through SeaBIOS: no kernel, initrd or command line", () => {
        for (const d of registered.filter((r) => r.type === "libvirt:index/domain:Domain")) {
            expect(d.inputs.kernel).toBeUndefined();
            expect(d.inputs.initrd).toBeUndefined();
            expect(d.inputs.cmdlines).toBeUndefined();
            expect(d.inputs.firmware).toBeUndefined();
            expect(d.inputs.bootDevices).toEqual([{ devs: ["hd"] }]);
        }
    });

    it("makes the seed disk read-only (QEMU snapshots skip it) and logs the serial console", () => {
        // The domain XML as the provider writes it, through the node's stylesheet (xsltproc, as libvirt's provider does).
        const domain = registered.find((r) => r.type === "libvirt:index/domain:Domain")!;
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "xslt-"));
        fs.writeFileSync(path.join(dir, "d.xsl"), (domain.inputs.xml as { xslt: string }).xslt);
        fs.writeFileSync(path.join(dir, "d.xml"), `<domain><devices>
            <disk type='volume' device='disk'><source pool='p' volume='n1-disk.qcow2'/><target dev='vda'/></disk>
            <disk type='volume' device='disk'><source pool='p' volume='n1-cidata-0a1b.iso'/><target dev='vdb'/></disk>
            <console type='pty'><target type='serial' port='0'/></console></devices></domain>`);
        const out = execFileSync("xsltproc", [path.join(dir, "d.xsl"), path.join(dir, "d.xml")], { encoding: "utf8" });
        fs.rmSync(dir, { recursive: true });
        const disks = out.split("</disk>");
        expect(disks[0]).not.toContain("readonly");
        expect(disks[1]).toMatch(/n1-cidata-0a1b\.iso[\s\S]*<readonly\/>/);
        expect(out).toMatch(/<log file="\/var\/log\/libvirt\/qemu\/[^"]+-serial\.log" append="on"\/>/);
    });

    it("bases every node disk on the base volume", () => {
        const vols = registered.filter((r) => r.type === "libvirt:index/volume:Volume");
        const base = vols.find((v) => String(v.inputs.name).includes("-base-"))!;
        const disks = vols.filter((v) => String(v.inputs.name).endsWith("-disk.qcow2"));
        expect(disks).toHaveLength(n);
        for (const d of disks) expect(d.inputs.baseVolumeId).toBe(`/var/lib/libvirt/images/${base.inputs.name}`);
    });

    it("names every libvirt object uniquely with the project and stack", () => {
        const names = registered.filter((r) => r.type.startsWith("libvirt:index/") && r.inputs.name).map((r) => String(r.inputs.name));
        expect(new Set(names).size).toBe(names.length);
        for (const name of names) expect(name.startsWith("clusteros-lab-unit-")).toBe(true);
    });

    it("keeps every secret secret and public keys public", async () => {
        const s = cluster.secrets;
        for (const o of [s.automationPrivateKey, s.mungeKey, s.kubernetesToken, s.clusterKey, cluster.automationPrivateKey]) {
            expect((await resolve(o)).secret).toBe(true);
        }
        expect(cluster.mesh!.keys).toHaveLength(n);
        for (const key of cluster.mesh!.keys) {
            const priv = await resolve(key.privateKey);
            expect(priv.secret).toBe(true);
            expect(Buffer.from(priv.value, "base64")).toHaveLength(32);
            expect((await resolve(key.publicKey)).secret).toBe(false);
        }
        expect((await resolve(s.automationPublicKey)).secret).toBe(false);
    });
});

describe("upstream Kubernetes", () => {
    /** Where a text shows up: as it is, or base64-encoded as cloud-init's write_files carry it. */
    const holds = (v: unknown, text: string) => {
        const json = JSON.stringify(v);
        return json.includes(JSON.stringify(text).slice(1, -1)) || json.includes(Buffer.from(text).toString("base64"));
    };

    it("makes the cluster's CA once, secret, and no CA without upstream", async () => {
        const cluster = await deploy(config({ nodeCount: 3, kubernetes: "upstream" }), BUNDLE);
        expect(registered.filter((r) => r.type.endsWith(":PrivateKey")).map((r) => r.inputs))
            .toEqual([expect.objectContaining({ algorithm: "ECDSA", ecdsaCurve: "P256" })]);
        const cert = registered.filter((r) => r.type.endsWith(":SelfSignedCert"));
        expect(cert).toHaveLength(1);
        expect(cert[0].inputs).toMatchObject({ subject: { commonName: "kubernetes" }, isCaCertificate: true, validityPeriodHours: 87600 });
        const ca = await resolve(cluster.secrets.kubernetesCa!);
        expect(ca).toEqual({ value: { certPem: CA_CERT, keyPem: CA_KEY }, secret: true });

        await deploy(config({ nodeCount: 3, kubernetes: "k3s" }));
        expect(registered.filter((r) => /:(PrivateKey|SelfSignedCert)$/.test(r.type))).toEqual([]);
    });

    it("keeps the CA key and the token out of every output, and the key on the server's seed alone", async () => {
        const cluster = await deploy(config({ nodeCount: 3, kubernetes: "upstream", kubernetesServerNode: 2 }), BUNDLE);
        const s = cluster.secrets;
        for (const o of [s.kubernetesToken, s.kubernetesCa!, s.mungeKey, s.clusterKey, s.automationPrivateKey] as pulumi.Output<unknown>[]) {
            expect((await resolve(o)).secret).toBe(true);
        }
        const token = (await resolve(s.kubernetesToken)).value;
        expect(token).toBe(RANDOM.hex);
        // What the stack exports besides the automation key (secret, checked above): nothing secret in it.
        const nodeOutputs = await Promise.all(cluster.nodeOutputs.map((n) => resolve(pulumi.output(n))));
        for (const out of nodeOutputs) {
            expect(out.secret).toBe(false);
            for (const text of [CA_KEY, token]) expect(holds(out.value, text)).toBe(false);
        }
        // The key goes where it must: into the certificate, and the server's user-data (a secret).
        const withKey = registered.filter((r) => holds(r.inputs, CA_KEY)).map((r) => `${r.type.split(":").pop()} ${r.name}`);
        expect(withKey.sort()).toEqual(["SeedIso clusteros-lab-unit-node-2-seed", "SelfSignedCert clusteros-lab-unit-secrets-kubernetes-ca"]);
        for (const seed of registered.filter((r) => r.type.endsWith(":SeedIso"))) {
            expect(holds(seed.inputs.metaData, token) || holds(seed.inputs.networkConfig, token)).toBe(false);
            expect(holds(seed.inputs.metaData, CA_KEY) || holds(seed.inputs.networkConfig, CA_KEY)).toBe(false);
            // Every node gets the certificate; it is no secret.
            expect(holds(seed.inputs.userData, CA_CERT)).toBe(true);
        }
    });
});

describe("each node's boot", () => {
    it("is waited for until the node answers SSH, on each new domain, its console's boot phases shown on its own row", async () => {
        await deploy(config({ nodeCount: 2 }));
        const boots = registered.filter((r) => r.type.endsWith(":RemoteCommand") && r.name.endsWith("-boot"));
        expect(boots.map((r) => r.name).sort()).toEqual(["clusteros-lab-unit-node-1-boot", "clusteros-lab-unit-node-2-boot"]);
        for (const boot of boots) {
            const node = /node-(\d)/.exec(boot.name)![1];
            expect(boot.inputs.triggers).toBe(`/var/lib/libvirt/images/clusteros-lab-unit-node-${node}`);
            expect(boot.inputs.consoleLog).toBe(`/var/log/libvirt/qemu/clusteros-lab-unit-node-${node}-serial.log`);
            expect(boot.inputs.statusUrn).toBe("urn:pulumi:unit::clusteros-lab::clusteros:lab:Cluster$clusteros:lab:ClusterNode"
                + `$pulumi-nodejs:dynamic/clusteros:RemoteCommand::${boot.name}`);
        }
    });
});

/** The steps that configure a node (its boot step aside). */
const configuringSteps = () => registered.filter((r) => r.type.endsWith(":RemoteCommand") && !r.name.endsWith("-boot"));

describe("node-agent delivery", () => {
    const remoteCommands = () => configuringSteps().map((r) => r.name).sort();

    it("configures each node once (membership) when the agent is baked into the image", async () => {
        await deploy({ ...config({ nodeCount: 2 }), nodeAgentPath: __filename, nodeAgentDelivery: "image" });
        expect(remoteCommands()).toEqual(["clusteros-lab-unit-node-1-membership", "clusteros-lab-unit-node-2-membership"]);
        // membership=lab: nothing runs when a node is removed, as before membership=agent existed.
        expect(configuringSteps().map((r) => r.inputs.deleteScript)).toEqual([undefined, undefined]);
    });

    it("adds a node-agent step per node, copying the binary, when delivery is live", async () => {
        await deploy({ ...config({ nodeCount: 2 }), nodeAgentPath: __filename, nodeAgentDelivery: "live" });
        expect(remoteCommands()).toEqual([
            "clusteros-lab-unit-node-1-membership", "clusteros-lab-unit-node-1-node-agent",
            "clusteros-lab-unit-node-2-membership", "clusteros-lab-unit-node-2-node-agent",
        ]);
        const step = registered.find((r) => r.name === "clusteros-lab-unit-node-2-node-agent")!;
        expect(step.inputs.uploadSource).toBe(__filename);
        expect(String(step.inputs.script)).toContain("systemctl restart clusteros-node-agent.service");
    });

    it("runs both steps again on a new domain (a new image boots fresh disks), not only on new content", async () => {
        await deploy({ ...config({ nodeCount: 2 }), nodeAgentPath: __filename, nodeAgentDelivery: "live" });
        for (const step of configuringSteps()) {
            const node = /node-(\d)/.exec(step.name)![1];
            expect(String(step.inputs.triggers)).toMatch(new RegExp(`^[0-9a-f]+@/var/lib/libvirt/images/clusteros-lab-unit-node-${node}$`));
        }
    });
});

describe("scaling from 3 to 4 nodes", () => {
    it("leaves the cloud-init of nodes 1-3 byte-identical", async () => {
        const iso = () => registered
            .filter((r) => r.type.endsWith(":SeedIso"))
            .map((r) => ({ name: r.name, inputs: JSON.stringify(r.inputs) }))
            .sort((a, b) => a.name.localeCompare(b.name));
        await deploy(config({ nodeCount: 3 }));
        const three = iso();
        await deploy(config({ nodeCount: 4 }));
        const four = iso();
        expect(four).toHaveLength(4);
        expect(four.slice(0, 3)).toEqual(three);
    });
});

describe("the stack output bareMetal", () => {
    it("is secret when set (it holds the WiFi PSK) and says how to set it when not", async () => {
        const cfg = config({ bareMetal: { network: { wifi: { ssid: "MyNet", psk: "correct horse battery" } } } });
        const out = bareMetalOutput(cfg.bareMetal);
        expect(typeof out).not.toBe("string");
        const { value, secret } = await resolve(out as pulumi.Output<unknown>);
        expect(secret).toBe(true);
        expect(JSON.stringify(value)).toContain("correct horse battery");
        expect(bareMetalOutput(config().bareMetal)).toBe(NOT_SET);
    });
});

describe("the stack output bareMetalSeeds", () => {
    it("is secret (each seed holds the cluster key), by MAC, and registers nothing more: no VM for a machine", async () => {
        const cfg = { ...config({ nodeCount: 2, kubernetes: "off", membership: "agent", nodeAgentPath: "/bin/node-agent", bareMetalNodes: { "52:54:00:aa:bb:05": 5 } }),
            nodeAgentPath: __filename };
        const cluster = await deploy(cfg);
        expect(count("libvirt:index/domain:Domain")).toBe(2);
        const { planCluster } = await import("../../components/plan/cluster-plan");
        const plan = planCluster("clusteros-lab", "unit", cfg, { read: (p: string) => fs.readFileSync(p), cacheDir: os.tmpdir() });
        const out = bareMetalSeedsOutput(plan.bareMetalSeeds, cluster.secrets);
        const { value, secret } = await resolve(out as pulumi.Output<Record<string, { userData: string }>>);
        expect(secret).toBe(true);
        expect(Object.keys(value)).toEqual(["52:54:00:aa:bb:05"]);
        const env = /CLUSTEROS_CLUSTER_KEY=([0-9a-f]+)/.exec(Buffer.from(/content: (\S+)/.exec(value["52:54:00:aa:bb:05"].userData)![1], "base64").toString());
        expect(env?.[1]).toBe(RANDOM.hex);
        expect(bareMetalSeedsOutput([], cluster.secrets)).toBe(NO_SEEDS);
    });
});

describe("firmware uefi", () => {
    it("gives each node OVMF and a variable store of its own, copied from Debian's template", async () => {
        await deploy(config({ nodeCount: 2, nodeAgentPath: undefined, firmware: "uefi" }));
        const domains = registered.filter((r) => r.type === "libvirt:index/domain:Domain");
        expect(domains).toHaveLength(2);
        for (const d of domains) {
            expect(d.inputs.firmware).toBe("/usr/share/OVMF/OVMF_CODE_4M.fd");
            expect(d.inputs.nvram).toEqual({
                file: `/var/lib/libvirt/qemu/nvram/${d.inputs.name}_VARS.fd`,
                template: "/usr/share/OVMF/OVMF_VARS_4M.fd",
            });
            expect(d.inputs.kernel).toBeUndefined();
        }
    });
});

describe("nodes on two hosts", () => {
    const LAB2 = { libvirtUri: "qemu+ssh://root@lab2/system", nodeCidr: "10.77.1.0/24" };
    const byType = (type: string) => registered.filter((r) => r.type === type);
    /** The URI of the provider a resource was declared with. */
    const uriOf = (r: Registered) => {
        const name = String(r.provider).split("::")[3];
        return byType("pulumi:providers:libvirt").find((p) => p.name === name)?.inputs.uri;
    };

    it("gives each host its own provider, pool, routed network and base volume, and each node its host's", async () => {
        await deploy(config({ nodeCount: 3, nodeAgentPath: undefined, hosts: { lab2: { ...LAB2, nodes: [3] } } }));
        expect(byType("pulumi:providers:libvirt").map((p) => [p.name, p.inputs.uri])).toEqual([
            ["clusteros-lab-unit-libvirt", "qemu:///system"], ["clusteros-lab-unit-lab2-libvirt", LAB2.libvirtUri],
        ]);
        for (const type of ["libvirt:index/pool:Pool", "libvirt:index/network:Network"]) {
            expect(byType(type).map(uriOf)).toEqual(["qemu:///system", LAB2.libvirtUri]);
        }
        expect(byType("libvirt:index/network:Network").map((n) => [n.inputs.mode, n.inputs.addresses])).toEqual([
            ["route", ["10.77.0.0/24"]], ["route", ["10.77.1.0/24"]],
        ]);
        const bases = byType("libvirt:index/volume:Volume").filter((v) => String(v.inputs.name).includes("-base-"));
        expect(bases.map((b) => [b.name, uriOf(b)])).toEqual([
            ["clusteros-lab-unit-base", "qemu:///system"], ["clusteros-lab-unit-lab2-base", LAB2.libvirtUri],
        ]);
        const domains = byType("libvirt:index/domain:Domain");
        expect(domains.map((d) => [d.inputs.name, uriOf(d)])).toEqual([
            ["clusteros-lab-unit-node-1", "qemu:///system"], ["clusteros-lab-unit-node-2", "qemu:///system"],
            ["clusteros-lab-unit-node-3", LAB2.libvirtUri],
        ]);
        // Node 3's disk and seed live in lab2's pool, on lab2's base volume.
        const node3 = byType("libvirt:index/volume:Volume").filter((v) => String(v.inputs.name).startsWith("clusteros-lab-unit-node-3"));
        expect(node3.map(uriOf)).toEqual([LAB2.libvirtUri, LAB2.libvirtUri]);
    });

    it("keeps a one-host stack's resource names and NAT network, so adding this feature replaces nothing", async () => {
        await deploy(config({ nodeCount: 2, nodeAgentPath: undefined }));
        expect(byType("pulumi:providers:libvirt").map((p) => p.name)).toEqual(["clusteros-lab-unit-libvirt"]);
        expect(byType("libvirt:index/network:Network").map((n) => [n.name, n.inputs.mode])).toEqual([["clusteros-lab-unit-network", "nat"]]);
        expect(byType("libvirt:index/pool:Pool").map((n) => n.name)).toEqual(["clusteros-lab-unit-pool"]);
    });
});

describe("a provisioning network (netbootCidr)", () => {
    const byType = (type: string) => registered.filter((r) => r.type === type);

    it("is one more network on the main host, isolated, whose DHCP and TFTP serve the tree; nothing else changes", async () => {
        await deploy({ ...config({ nodeCount: 2, nodeAgentPath: undefined }), netboot: { cidr: parseCidr("10.79.0.0/24") as Cidr, tree: "/srv/netboot", httpPort: 8080 } });
        const networks = byType("libvirt:index/network:Network");
        expect(networks.map((n) => [n.name, n.inputs.mode, n.inputs.addresses])).toEqual([
            ["clusteros-lab-unit-network", "nat", ["10.77.0.0/24"]], ["clusteros-lab-unit-netboot", "none", ["10.79.0.0/24"]],
        ]);
        const netboot = networks[1];
        expect(netboot.provider).toBe(networks[0].provider);
        expect(netboot.inputs.dhcp).toEqual({ enabled: true });
        const options = (netboot.inputs.dnsmasqOptions as { options: { optionName: string; optionValue?: string }[] }).options;
        expect(options).toContainEqual({ optionName: "tftp-root", optionValue: "/srv/netboot" });
        expect(byType("libvirt:index/domain:Domain")).toHaveLength(2);
    });

    it("has an HTTP server of the same tree, at the network's own address and the configured port, made after the network", async () => {
        await deploy({ ...config({ nodeCount: 2, nodeAgentPath: undefined }), netboot: { cidr: parseCidr("10.79.0.0/24") as Cidr, tree: "/srv/netboot", httpPort: 8181 } });
        const servers = registered.filter((r) => r.type.endsWith(":TreeServer"));
        expect(servers.map((r) => [r.inputs.root, r.inputs.address, r.inputs.port])).toEqual([["/srv/netboot", "10.79.0.1", 8181]]);
        expect(servers[0].inputs.network, "the network's id: a new network is a new server").toBe("/var/lib/libvirt/images/clusteros-lab-unit-netboot");
        expect(String(servers[0].inputs.pidFile)).toMatch(/netboot\/clusteros-lab-unit-netboot\.pid$/);
    });
});

describe("membership=agent: the node agent forms the cluster", () => {
    const of = (type: string) => registered.filter((r) => r.type.endsWith(type));

    it("makes no WireGuard key and no membership step; each node waits for its agent's ready", async () => {
        await deploy({ ...config({ nodeCount: 3 }), membership: "agent", nodeAgentPath: __filename, nodeAgentDelivery: "image" });
        expect(of(":WireGuardMesh")).toHaveLength(0);
        expect(of(":RandomBytes").map((r) => r.name).filter((n) => n.includes("wireguard"))).toEqual([]);
        expect(configuringSteps().map((r) => r.name).sort()).toEqual([1, 2, 3].map((i) => `clusteros-lab-unit-node-${i}-agent-ready`));
        const ready = registered.find((r) => r.name === "clusteros-lab-unit-node-2-agent-ready")!;
        expect(String(ready.inputs.script)).toContain("/run/clusteros/agent/state");
        expect(ready.inputs.environment).toMatchObject({ READY_HOSTNAME: "cluster-node-2" });
        // Removing the node stops its agent first, so it can leave the cluster.
        expect(String(ready.inputs.deleteScript)).toMatch(/systemctl kill --kill-who=main --signal=SIGTERM "\$unit"[\s\S]*systemctl stop "\$unit"/);
    });

    it("waits for the agent only after a live delivery has put it on the node", async () => {
        await deploy({ ...config({ nodeCount: 1 }), membership: "agent", nodeAgentPath: __filename, nodeAgentDelivery: "live" });
        expect(configuringSteps().map((r) => r.name).sort())
            .toEqual(["clusteros-lab-unit-node-1-agent-ready", "clusteros-lab-unit-node-1-node-agent"]);
        expect(String(registered.find((r) => r.name.endsWith("agent-ready"))!.inputs.triggers)).toMatch(/^[0-9a-f]{64}@/);
    });
});
