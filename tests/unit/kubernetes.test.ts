// Kubernetes as a node gets it at first boot, per distribution: every file K3s and upstream
// Kubernetes render (config, tokens, units, CA, kubeconfigs, CNI, kubeadm), parsed back as
// the programs that read them would.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { planNetwork, planNodes } from "../../components/plan/addressing";
import { renderCloudInit } from "../../components/plan/cloud-init";
import { ClusterConfig } from "../../components/plan/config";
import { bootstrapToken, kubeconfigCommand, KubernetesFile, kubernetesFiles, KubernetesSecrets } from "../../components/plan/kubernetes";
import { config } from "./helpers";

const TOKEN = "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa00";
const CA = { certPem: "-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n", keyPem: "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIkey\n-----END EC PRIVATE KEY-----\n" };
const VERSION = "v1.37.2";
/** What Kubernetes' tools read: YAML 1.1 (go-yaml), where an unquoted true or 0600 is no string. */
const yaml11 = (text: string) => parse(text, { version: "1.1" });

function filesOf(cfg: ClusterConfig, index: number, secrets: KubernetesSecrets = { token: TOKEN, ca: CA }) {
    const nodes = planNodes("clusteros-lab", "ci", cfg);
    const server = nodes.find((n) => n.kubernetesServer)!;
    const out = kubernetesFiles(nodes[index - 1], server, cfg, secrets, VERSION)!;
    const byPath = new Map(out.files.map((f) => [f.path, f]));
    return { node: nodes[index - 1], server, nodes, start: out.start, files: out.files, file: (p: string) => byPath.get(p) };
}

/** KEY=value lines of an environment file, as sh reads them. */
function envOf(f: KubernetesFile): Record<string, string> {
    return Object.fromEntries(f.text.split("\n").filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

describe("bootstrapToken", () => {
    it("cuts a token kube-apiserver accepts from the cluster's hex token, the same every time", () => {
        const t = bootstrapToken(TOKEN);
        expect(t.token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
        expect(t.token).toBe(`${t.id}.${t.secret}`);
        expect(bootstrapToken(TOKEN)).toEqual(t);
        expect(bootstrapToken("ab".repeat(32)).token).not.toBe(t.token);
    });

    it("refuses a token it cannot cut one from", () => {
        expect(() => bootstrapToken("abc123")).toThrow(/at least 22 lower-case hex digits/);
        expect(() => bootstrapToken(TOKEN.toUpperCase())).toThrow(/lower-case hex/);
    });
});

describe("without Kubernetes", () => {
    it("writes nothing and starts nothing", () => {
        const cfg = config({ kubernetes: "off" });
        const [node] = planNodes("p", "s", cfg);
        expect(kubernetesFiles(node, node, cfg, { token: TOKEN }, VERSION)).toBeUndefined();
    });
});

describe("K3s", () => {
    const cfg = config({ nodeCount: 3, kubernetes: "k3s", kubernetesServerNode: 2, podCidr: "10.50.0.0/16", serviceCidr: "10.60.0.0/20" });
    const k3sConf = (i: number) => yaml11(filesOf(cfg, i).file("/etc/rancher/k3s/config.yaml")!.text);

    it("configures the server for both node IPs, the cluster's ranges and a root-only kubeconfig", () => {
        const server = k3sConf(2);
        expect(server["tls-san"]).toEqual(["10.77.0.11", "10.78.0.2"]);
        expect(server["cluster-cidr"]).toBe("10.50.0.0/16");
        expect(server["service-cidr"]).toBe("10.60.0.0/20");
        expect(server["write-kubeconfig-mode"]).toBe("0600");
        expect(server.token).toBe(TOKEN);
        expect(server["node-ip"]).toBe("10.78.0.2");
        expect(server["node-external-ip"]).toBe("10.77.0.11");
        expect(server["flannel-iface"]).toBe("wg0");
        expect(server.server).toBeUndefined();
    });

    it("joins each agent to the server's WireGuard address with the same token, its own node IP on the mesh", () => {
        for (const i of [1, 3]) {
            const agent = k3sConf(i);
            expect(agent.server).toBe("https://10.78.0.2:6443");
            expect(agent.token).toBe(TOKEN);
            expect(agent["node-ip"]).toBe(`10.78.0.${i}`);
            expect(agent["node-external-ip"]).toBe(`10.77.0.${9 + i}`);
            expect(agent["flannel-iface"]).toBe("wg0");
            // Server-only settings: the agent takes the ranges from the server.
            for (const k of ["tls-san", "cluster-cidr", "service-cidr", "write-kubeconfig-mode"]) expect(agent[k]).toBeUndefined();
        }
    });

    it("keeps the token's file root-only", () => {
        for (const i of [1, 2, 3]) expect(filesOf(cfg, i).file("/etc/rancher/k3s/config.yaml")!.permissions).toBe("0600");
    });

    it("renders the unit running `k3s server` on the server and `k3s agent` elsewhere", () => {
        for (const [i, role] of [[2, "server"], [1, "agent"], [3, "agent"]] as const) {
            const unit = filesOf(cfg, i).file("/etc/clusteros/k3s.service")!;
            expect(unit.text).toMatch(new RegExp(`^ExecStart=/usr/local/bin/k3s ${role}$`, "m"));
            expect(unit.text).toMatch(/^After=.*wg-quick@wg0\.service/m);
            expect(unit.permissions).toBe("0644");
        }
    });

    it("tells the start script the node's role and addresses", () => {
        for (const [i, role] of [[2, "server"], [1, "agent"], [3, "agent"]] as const) {
            const env = envOf(filesOf(cfg, i).file("/etc/clusteros/kubernetes.env")!);
            expect(env).toMatchObject({
                KUBERNETES_DISTRIBUTION: "k3s", KUBERNETES_ROLE: role, NODE_NAME: `cluster-node-${i}`,
                NODE_IP: `10.78.0.${i}`, SERVER_IP: "10.78.0.2", POD_CIDR: "10.50.0.0/16", POD_SUBNET: `10.50.${i}.0/24`, SERVICE_CIDR: "10.60.0.0/20",
            });
        }
    });

    it("writes the start script it runs, and cloud-init runs it", () => {
        const { start, file } = filesOf(cfg, 1);
        expect(start).toBe("/usr/local/sbin/clusteros-k3s-start");
        expect(file(start)!.permissions).toBe("0755");
        expect(file(start)!.text).toBe(fs.readFileSync(path.join(__dirname, "..", "..", "cloud-init", "files", "k3s-start.sh"), "utf8"));
        const nodes = planNodes("clusteros-lab", "ci", cfg);
        const docs = renderCloudInit({
            node: nodes[0], network: planNetwork("clusteros-lab", "ci", cfg.nodeCidr), cfg, kubernetesServer: nodes[1],
            upstreamKubernetesVersion: "", automationPublicKey: "ssh-ed25519 AAAA auto",
            secrets: { wireguardPrivateKey: "wg", mungeKey: "bXVuZ2U=", kubernetes: { token: TOKEN }, clusterKey: "key" },
            emulated: false,
        });
        const user = parse(docs.userData);
        expect(user.runcmd).toEqual([start]);
        expect(user.write_files.map((f: { path: string }) => f.path)).toContain(start);
    });

    it("brings none of upstream's files", () => {
        const paths = filesOf(cfg, 2).files.map((f) => f.path);
        expect(paths.filter((p) => p.startsWith("/etc/kubernetes") || p.startsWith("/etc/cni"))).toEqual([]);
    });

    describe("its start script, run against a scratch root", () => {
        /** Runs k3s-start.sh with its absolute paths under a temporary root and systemctl recorded. */
        function runStart(index: number, withBinary: boolean) {
            const root = fs.mkdtempSync(path.join(os.tmpdir(), "k3s-start-"));
            try {
                const { files, start } = filesOf(cfg, index);
                for (const f of files) {
                    fs.mkdirSync(path.join(root, path.dirname(f.path)), { recursive: true });
                    fs.writeFileSync(path.join(root, f.path), f.text, { mode: Number.parseInt(f.permissions, 8) });
                }
                fs.mkdirSync(path.join(root, "etc/systemd/system"), { recursive: true });
                fs.mkdirSync(path.join(root, "usr/local/bin"), { recursive: true });
                fs.writeFileSync(path.join(root, "etc/clusteros/k3s-missing"), "offline build\n");
                if (withBinary) fs.writeFileSync(path.join(root, "usr/local/bin/k3s"), "#!/bin/sh\n", { mode: 0o755 });
                const bin = path.join(root, "stub-bin");
                fs.mkdirSync(bin);
                fs.writeFileSync(path.join(bin, "systemctl"), `#!/bin/sh\necho "$*" >> "${root}/systemctl.log"\n`, { mode: 0o755 });
                const script = fs.readFileSync(path.join(root, start), "utf8").replace(/(?<=[\s"'(])\/(etc|usr)\//g, `${root}/$1/`);
                expect(script).not.toMatch(/[\s"'(]\/etc\//);
                const stdout = execFileSync("sh", ["-c", script], { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, encoding: "utf8" });
                const units = fs.readdirSync(path.join(root, "etc/systemd/system"));
                const snapshot = new Map(["systemctl.log", "etc/clusteros/k3s-status", ...units.map((u) => `etc/systemd/system/${u}`)]
                    .filter((p) => fs.existsSync(path.join(root, p)))
                    .map((p) => [p, fs.readFileSync(path.join(root, p), "utf8")]));
                return { stdout, read: (p: string) => snapshot.get(p), units };
            } finally {
                fs.rmSync(root, { recursive: true, force: true });
            }
        }

        it("installs and enables k3s.service on the server and k3s-agent.service on agents", () => {
            for (const [i, unit, role] of [[2, "k3s", "server"], [1, "k3s-agent", "agent"]] as const) {
                const r = runStart(i, true);
                expect(r.units).toEqual([`${unit}.service`]);
                expect(r.read(`etc/systemd/system/${unit}.service`)).toContain(`ExecStart=/usr/local/bin/k3s ${role}\n`);
                expect(r.read("systemctl.log")).toBe(`daemon-reload\nenable --now ${unit}.service\n`);
                expect(r.read("etc/clusteros/k3s-status")).toBe(`K3s ${role} started\n`);
            }
        });

        it("records why K3s did not start when the image has no binary", () => {
            const r = runStart(2, false);
            expect(r.units).toEqual([]);
            expect(r.read("systemctl.log")).toBeUndefined();
            expect(r.read("etc/clusteros/k3s-status")).toBe("K3s not started: the image has no K3s binary (offline build)\n");
        });
    });
});

describe("upstream Kubernetes", () => {
    const cfg = config({ nodeCount: 3, kubernetes: "upstream", kubernetesServerNode: 2, podCidr: "10.50.0.0/16", serviceCidr: "10.60.0.0/20" });
    const token = bootstrapToken(TOKEN);

    it("needs the cluster CA", () => {
        const nodes = planNodes("p", "s", cfg);
        expect(() => kubernetesFiles(nodes[0], nodes[1], cfg, { token: TOKEN }, VERSION)).toThrow(/needs the cluster CA/);
    });

    it("gives every node the CA certificate, and only the server its key", () => {
        for (const i of [1, 2, 3]) {
            const { file, node, files } = filesOf(cfg, i);
            expect(file("/etc/kubernetes/pki/ca.crt")).toEqual({ path: "/etc/kubernetes/pki/ca.crt", permissions: "0644", text: CA.certPem });
            const keys = files.filter((f) => f.text.includes(CA.keyPem));
            if (node.kubernetesServer) expect(keys).toEqual([{ path: "/etc/kubernetes/pki/ca.key", permissions: "0600", text: CA.keyPem }]);
            else expect(keys).toEqual([]);
        }
    });

    it("lets each kubelet join the server's WireGuard address with the bootstrap token and the CA", () => {
        for (const i of [1, 2, 3]) {
            const f = filesOf(cfg, i).file("/etc/kubernetes/bootstrap-kubelet.conf")!;
            expect(f.permissions).toBe("0600");
            const conf = yaml11(f.text);
            expect(conf.kind).toBe("Config");
            const context = conf.contexts.find((c: { name: string }) => c.name === conf["current-context"]).context;
            const cluster = conf.clusters.find((c: { name: string }) => c.name === context.cluster).cluster;
            const user = conf.users.find((u: { name: string }) => u.name === context.user).user;
            expect(cluster.server).toBe("https://10.78.0.2:6443");
            expect(cluster["certificate-authority"]).toBe("/etc/kubernetes/pki/ca.crt");
            expect(user.token).toBe(token.token);
        }
    });

    it("gives each node a CNI bridge on its own pod subnet", () => {
        const subnets = [1, 2, 3].map((i) => {
            const { file, node } = filesOf(cfg, i);
            const conflist = JSON.parse(file("/etc/cni/net.d/10-clusteros.conflist")!.text);
            expect(conflist.cniVersion).toMatch(/^\d+\.\d+\.\d+$/);
            const bridge = conflist.plugins.find((p: { type: string }) => p.type === "bridge");
            expect(bridge.ipam.type).toBe("host-local");
            expect(bridge.ipam.ranges).toEqual([[{ subnet: node.podSubnet }]]);
            return node.podSubnet;
        });
        expect(subnets).toEqual(["10.50.1.0/24", "10.50.2.0/24", "10.50.3.0/24"]);
    });

    it("gives the server kubeadm's two documents: its address, the SANs, the ranges and the bundle's version", () => {
        const { file, node } = filesOf(cfg, 2);
        const f = file("/etc/kubernetes/kubeadm.yaml")!;
        const docs = parseAllDocuments(f.text, { version: "1.1" });
        expect(docs.map((d) => d.errors)).toEqual([[], []]);
        const [init, cluster] = docs.map((d) => d.toJS());
        expect([init.kind, cluster.kind]).toEqual(["InitConfiguration", "ClusterConfiguration"]);
        expect(init.apiVersion).toBe(cluster.apiVersion);
        expect(init.localAPIEndpoint).toEqual({ advertiseAddress: "10.78.0.2", bindPort: 6443 });
        expect(init.nodeRegistration.name).toBe(node.hostname);
        expect(cluster.apiServer.certSANs).toEqual(expect.arrayContaining(["10.77.0.11", "10.78.0.2"]));
        expect(cluster.networking.podSubnet).toBe("10.50.0.0/16");
        expect(cluster.networking.serviceSubnet).toBe("10.60.0.0/20");
        expect(cluster.kubernetesVersion).toBe(VERSION);
        expect(cluster.controlPlaneEndpoint).toBe("10.78.0.2:6443");
        // The version comes from the bundle, not from a constant.
        const nodes = planNodes("clusteros-lab", "ci", cfg);
        const other = kubernetesFiles(nodes[1], nodes[1], cfg, { token: TOKEN, ca: CA }, "v1.36.0")!.files.find((x) => x.path === f.path)!;
        expect(parseAllDocuments(other.text)[1].toJS().kubernetesVersion).toBe("v1.36.0");
    });

    it("gives the server the bootstrap token as the Secret the API server checks joining kubelets against", () => {
        const f = filesOf(cfg, 2).file("/etc/kubernetes/bootstrap-token.yaml")!;
        expect(f.permissions).toBe("0600");
        const secret = yaml11(f.text);
        expect(secret).toMatchObject({
            apiVersion: "v1", kind: "Secret", type: "bootstrap.kubernetes.io/token",
            metadata: { name: `bootstrap-token-${token.id}`, namespace: "kube-system" },
        });
        expect(secret.stringData["token-id"]).toBe(token.id);
        expect(secret.stringData["token-secret"]).toBe(token.secret);
        // stringData holds strings only: an unquoted true would be a boolean and the apply would fail.
        expect(secret.stringData["usage-bootstrap-authentication"]).toBe("true");
        expect(secret.stringData["usage-bootstrap-signing"]).toBe("true");
    });

    it("keeps the server's files off the agents", () => {
        for (const i of [1, 3]) {
            const paths = filesOf(cfg, i).files.map((f) => f.path);
            for (const p of ["/etc/kubernetes/kubeadm.yaml", "/etc/kubernetes/bootstrap-token.yaml", "/etc/kubernetes/pki/ca.key"]) {
                expect(paths).not.toContain(p);
            }
        }
    });

    it("makes every file holding the token or the CA key root-only", () => {
        for (const i of [1, 2, 3]) {
            const secretFiles = filesOf(cfg, i).files.filter((f) => f.text.includes(token.secret) || f.text.includes(CA.keyPem));
            expect(secretFiles.length).toBeGreaterThan(0);
            for (const f of secretFiles) expect(`${f.path} ${f.permissions}`).toBe(`${f.path} 0600`);
        }
    });

    it("tells the node its role and addresses, and starts it at first boot", () => {
        const { files, start, file } = filesOf(cfg, 3);
        expect(envOf(file("/etc/clusteros/kubernetes.env")!)).toMatchObject({
            KUBERNETES_DISTRIBUTION: "upstream", KUBERNETES_ROLE: "agent", NODE_IP: "10.78.0.3", SERVER_IP: "10.78.0.2",
            POD_CIDR: "10.50.0.0/16", POD_SUBNET: "10.50.3.0/24", SERVICE_CIDR: "10.60.0.0/20",
        });
        expect(new Set(files.map((f) => f.path)).size).toBe(files.length);
        expect(start).not.toBe("");
        const nodes = planNodes("clusteros-lab", "ci", cfg);
        const docs = renderCloudInit({
            node: nodes[2], network: planNetwork("clusteros-lab", "ci", cfg.nodeCidr), cfg, kubernetesServer: nodes[1],
            upstreamKubernetesVersion: VERSION, automationPublicKey: "ssh-ed25519 AAAA auto",
            secrets: { wireguardPrivateKey: "wg", mungeKey: "bXVuZ2U=", kubernetes: { token: TOKEN, ca: CA }, clusterKey: "key" },
            emulated: false,
        });
        const user = parse(docs.userData);
        expect(user.runcmd).toEqual([start]);
        // cloud-init writes each file with the permissions planned for it.
        const written = user.write_files as { path: string; permissions: string; content: string }[];
        for (const f of files) {
            const w = written.find((x) => x.path === f.path)!;
            expect(w.permissions).toBe(f.permissions);
            expect(Buffer.from(w.content, "base64").toString()).toBe(f.text);
        }
    });
});

describe("the kubeconfig output", () => {
    // The remote half of the command, run by a shell as sshd's would, on a copy of the file the
    // server holds: what the user saves is a kubeconfig whose server the host can reach.
    function fetched(distribution: "k3s" | "upstream", fileText: string): string {
        const { server } = filesOf(config({ nodeCount: 3 }), 1);
        const command = kubeconfigCommand("ssh clusteros@10.77.0.10", server, distribution);
        const remote = /^ssh clusteros@10\.77\.0\.10 "(.*)"$/.exec(command)?.[1];
        expect(remote).toBeDefined();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubeconfig-"));
        const file = path.join(dir, "config");
        fs.writeFileSync(file, fileText);
        const onServer = remote!.replace(/ \/etc\/\S+$/, ` ${file}`);
        expect(onServer).not.toBe(remote);
        return execFileSync("sh", ["-c", `sudo() { "$@"; }; ${onServer}`], { encoding: "utf8" });
    }
    const kubeconfigFile = (server: string) =>
        `apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: AAAA\n    server: ${server}\n  name: clusteros\nkind: Config\n`;

    it("points upstream's admin kubeconfig at the server node's lab address, not its mesh address", () => {
        const cfg = yaml11(fetched("upstream", kubeconfigFile("https://10.80.0.1:6443")));
        expect(cfg.clusters[0].cluster.server).toBe("https://10.77.0.10:6443");
        expect(cfg.clusters[0].cluster["certificate-authority-data"]).toBe("AAAA");
    });

    it("points K3s's kubeconfig at the server node's lab address, not loopback", () => {
        expect(yaml11(fetched("k3s", kubeconfigFile("https://127.0.0.1:6443"))).clusters[0].cluster.server).toBe("https://10.77.0.10:6443");
    });

    it("reads each distribution's own file, and the lab address is on both API server certificates", () => {
        const { server } = filesOf(config({ nodeCount: 3 }), 1);
        expect(kubeconfigCommand("ssh x", server, "k3s")).toMatch(/ \/etc\/rancher\/k3s\/k3s\.yaml"$/);
        expect(kubeconfigCommand("ssh x", server, "upstream")).toMatch(/ \/etc\/kubernetes\/admin\.conf"$/);
        const k3s = yaml11(filesOf(config({ nodeCount: 3, kubernetes: "k3s" }), 1).file("/etc/rancher/k3s/config.yaml")!.text);
        expect(k3s["tls-san"]).toContain(server.ip);
        const kubeadm = parseAllDocuments(filesOf(config({ nodeCount: 3, kubernetes: "upstream" }), 1).file("/etc/kubernetes/kubeadm.yaml")!.text)
            .map((d) => d.toJS());
        expect(kubeadm.find((d) => d.kind === "ClusterConfiguration").apiServer.certSANs).toContain(server.ip);
    });
});
