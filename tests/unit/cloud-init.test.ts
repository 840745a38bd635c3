import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { planNetwork, planNodes } from "../../components/plan/addressing";
import { Cidr } from "../../components/plan/cidr";
import { CloudInitDocs, INIT_ONLY, renderCloudInit } from "../../components/plan/cloud-init";
import { ClusterConfig } from "../../components/plan/config";
import { toYaml } from "../../components/plan/templates";
import { config } from "./helpers";

const SECRETS = {
    wireguardPrivateKey: "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=",
    mungeKey: Buffer.alloc(1024, 7).toString("base64"),
    kubernetes: { token: "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa00" },
    clusterKey: "cluster-key-value",
};
const AUTOMATION_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAutomation automation@lab";

function render(cfg: ClusterConfig, index: number): CloudInitDocs {
    const nodes = planNodes("clusteros-lab", "ci", cfg);
    return renderCloudInit({
        node: nodes[index - 1],
        network: planNetwork("clusteros-lab", "ci", cfg.nodeCidr as Cidr),
        cfg,
        kubernetesServer: nodes.find((n) => n.kubernetesServer)!,
        upstreamKubernetesVersion: "",
        automationPublicKey: AUTOMATION_KEY,
        secrets: SECRETS,
        emulated: cfg.domainType === "qemu",
    });
}

function writtenFile(userData: string, p: string): string | undefined {
    const doc = parse(userData);
    const f = doc.write_files.find((x: { path: string }) => x.path === p);
    return f && Buffer.from(f.content, "base64").toString("utf8");
}

function hasCloudInit(): boolean {
    try {
        execFileSync("cloud-init", ["--version"], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

/** `cloud-init schema` on a user-data document; throws with cloud-init's complaint when it fails. */
function checkSchema(userData: string): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ci-schema-"));
    try {
        const file = path.join(dir, "user-data");
        fs.writeFileSync(file, userData);
        execFileSync("cloud-init", ["schema", "--config-file", file], { stdio: "pipe" });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe.each([1, 3, 5])("cloud-init for a %i-node cluster", (n) => {
    const cfg = config({ nodeCount: n, kubernetes: "k3s", sshPublicKeys: ["ssh-ed25519 AAAAC3NzaPerson person@laptop # with: yaml chars"] });

    it.each(Array.from({ length: n }, (_, i) => i + 1))("node %i gets its own identity", (i) => {
        const docs = render(cfg, i);
        expect(docs.userData.startsWith("#cloud-config\n")).toBe(true);
        const user = parse(docs.userData);
        expect(user.hostname).toBe(`cluster-node-${i}`);
        expect(user.ssh_pwauth).toBe(false);
        const admin = user.users[0];
        expect(admin.name).toBe("clusteros");
        expect(admin.lock_passwd).toBe(true);
        expect(admin.ssh_authorized_keys).toEqual([AUTOMATION_KEY, cfg.sshPublicKeys[0]]);

        const wg = writtenFile(docs.userData, "/etc/wireguard/wg0.conf")!;
        expect(wg).toContain(`PrivateKey = ${SECRETS.wireguardPrivateKey}`);
        expect(wg).toContain(`Address = 10.78.0.${i}/24`);
        expect(wg).not.toContain("[Peer]");
        const munge = parse(docs.userData).write_files.find((f: { path: string }) => f.path === "/etc/munge/munge.key");
        expect(Buffer.from(munge.content, "base64").length).toBe(1024);
        expect(munge.owner).toBe("munge:munge");
        const env = writtenFile(docs.userData, "/etc/clusteros/node-agent.env")!;
        expect(env).toContain(`CLUSTEROS_NODE_ID=clusteros-lab-ci-node-${i}`);
        expect(env).toContain(`CLUSTEROS_CLUSTER_KEY=${SECRETS.clusterKey}`);
        const k3s = parse(writtenFile(docs.userData, "/etc/rancher/k3s/config.yaml")!);
        expect(k3s.token).toBe(SECRETS.kubernetes.token);
        if (i === 1) expect(k3s.server).toBeUndefined();
        else expect(k3s.server).toBe("https://10.78.0.1:6443");

        const meta = parse(docs.metaData);
        expect(meta["instance-id"]).toBe(`clusteros-lab-ci-node-${i}`);
        const net = parse(docs.networkConfig);
        expect(net.version).toBe(2);
        expect(net.ethernets.primary.addresses).toEqual([`10.77.0.${9 + i}/24`]);
        expect(net.ethernets.primary.routes).toEqual([{ to: "0.0.0.0/0", via: "10.77.0.1" }]);
        // No IPv6 router solicitation on the lab's IPv4 network (wait-online would wait it out).
        expect(net.ethernets.primary["accept-ra"]).toBe(false);
    });

    it.skipIf(!hasCloudInit())("passes `cloud-init schema`", () => {
        checkSchema(render(cfg, n).userData);
    });
});

// Under TCG a node keeps the kernel's receive-timestamp static key on from boot
// (components/plan/cloud-init.ts, EMULATION_BOOTCMD); under KVM, and on bare metal, nothing is added.
describe("a node under TCG (domainType qemu)", () => {
    const bootcmd = (domainType: "qemu" | "kvm") => parse(render(config({ nodeCount: 2, domainType }), 2).userData).bootcmd;

    it("starts, at every boot, a transient unit whose ping to itself holds SO_TIMESTAMP, without waiting for it", () => {
        const [cmd, ...rest] = bootcmd("qemu") as string[][];
        expect(rest).toEqual([]);
        expect(cmd.slice(0, 3)).toEqual(["systemd-run", "--no-block", "--unit=clusteros-lab-rx-timestamps"]);
        expect(cmd.slice(cmd.indexOf("ping"))).toEqual(["ping", "-q", "-i", "86400", "127.0.0.1"]);
    });

    it("adds nothing under KVM", () => {
        expect(bootcmd("kvm")).toBeUndefined();
    });

    it.skipIf(!hasCloudInit())("passes `cloud-init schema`", () => {
        checkSchema(render(config({ nodeCount: 2, domainType: "qemu" }), 1).userData);
    });
});

describe("cloud-init with upstream Kubernetes", () => {
    const cfg = config({ nodeCount: 2, kubernetes: "upstream" });
    const CA = { certPem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", keyPem: "-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n" };
    const upstream = (i: number) => {
        const nodes = planNodes("clusteros-lab", "ci", cfg);
        return renderCloudInit({
            node: nodes[i - 1], network: planNetwork("clusteros-lab", "ci", cfg.nodeCidr as Cidr), cfg,
            kubernetesServer: nodes[0], upstreamKubernetesVersion: "v1.37.2", automationPublicKey: AUTOMATION_KEY,
            secrets: { ...SECRETS, kubernetes: { ...SECRETS.kubernetes, ca: CA } }, emulated: false,
        });
    };

    it("writes the CA key on the server only, root-only", () => {
        const files = (i: number) => parse(upstream(i).userData).write_files as { path: string; permissions: string }[];
        expect(files(1).find((f) => f.path === "/etc/kubernetes/pki/ca.key")!.permissions).toBe("0600");
        expect(files(2).find((f) => f.path === "/etc/kubernetes/pki/ca.key")).toBeUndefined();
        expect(writtenFile(upstream(2).userData, "/etc/kubernetes/pki/ca.crt")).toBe(CA.certPem);
    });

    it.skipIf(!hasCloudInit())("passes `cloud-init schema` on the server and an agent", () => {
        for (const i of [1, 2]) checkSchema(upstream(i).userData);
    });
});

describe("cloud-init without SLURM and Kubernetes", () => {
    it("writes no munge key and starts no Kubernetes", () => {
        const docs = render(config({ nodeCount: 2, slurm: false, kubernetes: "off" }), 2);
        expect(writtenFile(docs.userData, "/etc/munge/munge.key")).toBeUndefined();
        expect(writtenFile(docs.userData, "/etc/rancher/k3s/config.yaml")).toBeUndefined();
        expect(writtenFile(docs.userData, "/etc/clusteros/kubernetes.env")).toBeUndefined();
        const paths = parse(docs.userData).write_files.map((f: { path: string }) => f.path) as string[];
        expect(paths.filter((p) => /kubernetes|k3s|cni/.test(p))).toEqual([]);
        expect(parse(docs.userData).runcmd).toBeUndefined();
    });
});

describe("first boot runs no command the image already does", () => {
    it("has no runcmd unless Kubernetes must be started, and skips RSA host keys", () => {
        const plain = parse(render(config({ nodeCount: 2, kubernetes: "off" }), 2).userData);
        expect(plain.runcmd).toBeUndefined();
        expect(plain.ssh_genkeytypes).not.toContain("rsa");
        expect(plain.grub_dpkg).toEqual({ enabled: false });
        const k3s = parse(render(config({ nodeCount: 2, kubernetes: "k3s" }), 2).userData);
        expect(k3s.runcmd).toEqual(["/usr/local/sbin/clusteros-k3s-start"]);
    });

    it("tells the image to skip cloud-init's config and final stages exactly when the seed has no runcmd", () => {
        const plain = render(config({ nodeCount: 2, kubernetes: "off" }), 2).userData;
        expect(writtenFile(plain, INIT_ONLY)).toMatch(/skips both stages/);
        const agent = render(config({ nodeCount: 2, kubernetes: "off", membership: "agent", nodeAgentPath: "/bin/node-agent" }), 2).userData;
        expect(writtenFile(agent, INIT_ONLY)).toBeDefined();
        const k3s = render(config({ nodeCount: 2, kubernetes: "k3s" }), 2).userData;
        expect(parse(k3s).runcmd).toHaveLength(1);
        expect(writtenFile(k3s, INIT_ONLY)).toBeUndefined();
    });

    it("leaves the later stages to an image whose cloud-init was not shown to take it: Ubuntu 24.04, a prebuilt image", () => {
        for (const raw of [{ imageFlavor: "ubuntu-24.04" }, { imageFlavor: "", imagePath: "/images/prebuilt.qcow2" }]) {
            const userData = render(config({ nodeCount: 2, kubernetes: "off", ...raw }), 2).userData;
            expect(parse(userData).runcmd, JSON.stringify(raw)).toBeUndefined();
            expect(writtenFile(userData, INIT_ONLY), JSON.stringify(raw)).toBeUndefined();
        }
    });
});

describe("identity stays put when the cluster grows", () => {
    it("renders nodes 1-3 byte-identically for 3 and 4 nodes", () => {
        const three = config({ nodeCount: 3 });
        const four = config({ nodeCount: 4 });
        for (const i of [1, 2, 3]) expect(render(four, i)).toEqual(render(three, i));
    });
});

describe("K3s as rendered for each role", () => {
    const cfg = config({ nodeCount: 3, kubernetes: "k3s", kubernetesServerNode: 2 });
    const userData = (i: number) => render(cfg, i).userData;

    it("runs the server on kubernetesServerNode and agents elsewhere, each with its own unit", () => {
        // Which unit each role installs is the start script's (tests/unit/kubernetes.test.ts runs it).
        for (const [i, role] of [[2, "server"], [1, "agent"], [3, "agent"]] as const) {
            const env = writtenFile(userData(i), "/etc/clusteros/kubernetes.env")!;
            expect(env).toContain("KUBERNETES_DISTRIBUTION=k3s\n");
            expect(env).toContain(`KUBERNETES_ROLE=${role}\n`);
            const service = writtenFile(userData(i), "/etc/clusteros/k3s.service")!;
            expect(service).toContain(`ExecStart=/usr/local/bin/k3s ${role}\n`);
            expect(service).toContain("Delegate=yes");
        }
    });

    it("joins agents to the server over WireGuard with the cluster token, node IPs on the mesh", () => {
        const server = parse(writtenFile(userData(2), "/etc/rancher/k3s/config.yaml")!);
        expect(server["tls-san"]).toEqual(["10.77.0.11", "10.78.0.2"]);
        expect(server["node-ip"]).toBe("10.78.0.2");
        expect(server["flannel-iface"]).toBe("wg0");
        const agent = parse(writtenFile(userData(3), "/etc/rancher/k3s/config.yaml")!);
        expect(agent.server).toBe("https://10.78.0.2:6443");
        expect(agent.token).toBe(SECRETS.kubernetes.token);
        expect(agent["node-ip"]).toBe("10.78.0.3");
        expect(agent["tls-san"]).toBeUndefined();
    });

    it("keeps the token and config readable by root only, and the start script is the static file", () => {
        const files = parse(userData(1)).write_files as { path: string; permissions: string }[];
        expect(files.find((f) => f.path === "/etc/rancher/k3s/config.yaml")!.permissions).toBe("0600");
        expect(writtenFile(userData(1), "/usr/local/sbin/clusteros-k3s-start"))
            .toBe(fs.readFileSync(path.join(__dirname, "..", "..", "cloud-init", "files", "k3s-start.sh"), "utf8"));
    });
});

describe("YAML for cloud-init's parser (YAML 1.1)", () => {
    it("quotes values YAML 1.1 would read as numbers or booleans", () => {
        // An all-digit MAC is a base-60 number to YAML 1.1, "on" a boolean, "0600" octal.
        const data = { mac: "52:54:00:12:34:01", user: "on", mode: "0600" };
        expect(parse(toYaml(data), { version: "1.1" })).toEqual(data);
        const docs = render(config({ nodeCount: 1, adminUser: "on" }), 1);
        expect(parse(docs.userData, { version: "1.1" }).users[0].name).toBe("on");
    });
});
