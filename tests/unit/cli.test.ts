// The cluster control CLI against a fake stack output.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { assess, formatAge, parseProbe, runsKubernetes } from "../../cli/health";
import { sshConfig } from "../../cli/ssh";
import { CliError, loadStack, nodeByNumber, parseStackOutputs } from "../../cli/stack";

const outputs = {
    nodes: [1, 2, 3].map((i) => ({
        name: `cluster-node-${i}`, domain: `clusteros-lab-ci-node-${i}`, ip: `10.79.0.${9 + i}`, wireguardIp: `10.80.0.${i}`,
        wireguardPublicKey: `key${i}=`, ssh: "", vncDisplay: "", serialLog: `/var/log/libvirt/qemu/n${i}.log`,
        roles: i === 1 ? ["slurm-controller"] : ["slurm-worker"],
    })),
    controller: "cluster-node-1", adminUser: "clusteros", libvirtUri: "qemu:///system",
    automationPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n",
};
const info = parseStackOutputs("ci", JSON.stringify(outputs));

describe("stack outputs", () => {
    it("reads nodes, user and key from `pulumi stack output --json`", () => {
        expect(info.nodes.map((n) => n.name)).toEqual(["cluster-node-1", "cluster-node-2", "cluster-node-3"]);
        expect(info.adminUser).toBe("clusteros");
    });

    it("says which stack is not up, and how to bring it up", () => {
        expect(() => parseStackOutputs("ci", "{}")).toThrow(/stack 'ci' is not up.*make up STACK=ci/);
    });

    it("asks for a stack when none is selected", () => {
        expect(() => loadStack(undefined, () => "")).toThrow(/no stack selected/);
    });

    it("names a missing stack", () => {
        const failing = () => {
            throw Object.assign(new Error("x"), { stderr: "error: no stack named 'zz' found" });
        };
        expect(() => loadStack("zz", failing)).toThrow(/there is no stack 'zz'/);
    });

    it("rejects node numbers out of range with the valid range", () => {
        expect(nodeByNumber(info, "2").ip).toBe("10.79.0.11");
        expect(() => nodeByNumber(info, 4)).toThrow(new CliError("node 4 is out of range: stack 'ci' has nodes 1-3"));
        expect(() => nodeByNumber(info, "x")).toThrow(/out of range/);
    });
});

describe("health", () => {
    const healthy = { domainState: "running", reachable: true, cloudInit: "done", handshakeAges: [12, 40], slurm: "idle", kubernetes: "absent" };

    it("calls a running, configured node healthy and shows the oldest handshake", () => {
        const row = assess(info.nodes[0], healthy, 2, true, false);
        expect(row.healthy).toBe(true);
        expect(row.handshakes).toBe("2/2, oldest 40s");
        expect(row.kubernetes).toBe("off");
    });

    it("says why a node is unhealthy", () => {
        expect(assess(info.nodes[1], { domainState: "shut off", reachable: false }, 2, true, false).problems)
            .toEqual(["domain is shut off"]);
        const r = assess(info.nodes[1], { ...healthy, handshakeAges: [301], slurm: "down*", cloudInit: "running" }, 2, true, false);
        expect(r.problems).toEqual(["cloud-init running", "1 of 2 WireGuard peers", "1 stale WireGuard handshake", "SLURM down*"]);
    });

    it("takes an idle mesh's handshake, renewed only every two to three minutes, as fresh", () => {
        expect(assess(info.nodes[0], { ...healthy, handshakeAges: [175, 195] }, 2, true, false).healthy).toBe(true);
    });

    it("takes either distribution's roles as Kubernetes on", () => {
        expect(runsKubernetes(["slurm-worker", "kubernetes-agent"])).toBe(true);
        expect(runsKubernetes(["kubernetes-server"])).toBe(true);
        expect(runsKubernetes(["slurm-controller"])).toBe(false);
        expect(runsKubernetes([])).toBe(false);
    });

    it("shows each node's Kubernetes state, and calls only a Ready node (or an image without Kubernetes) healthy", () => {
        const row = (kubernetes: string | undefined) => assess(info.nodes[0], { ...healthy, kubernetes }, 2, true, true);
        expect(row("Ready")).toMatchObject({ kubernetes: "Ready", healthy: true });
        expect(row("absent")).toMatchObject({ kubernetes: "no binary", healthy: true });
        expect(row("NotReady")).toMatchObject({ kubernetes: "NotReady", healthy: false, problems: ["Kubernetes NotReady"] });
        expect(row("")).toMatchObject({ kubernetes: "starting", healthy: false, problems: ["Kubernetes starting"] });
        expect(row("off")).toMatchObject({ healthy: false, problems: ["Kubernetes off"] });
        expect(row(undefined)).toMatchObject({ kubernetes: "-", healthy: false, problems: ["Kubernetes not reported"] });
        // Kubernetes off for the node: its state is not asked.
        expect(assess(info.nodes[0], { ...healthy, kubernetes: "" }, 2, true, false)).toMatchObject({ kubernetes: "off", healthy: true });
    });

    it("formats handshake ages", () => {
        expect(formatAge(Infinity)).toBe("never");
        expect(formatAge(59)).toBe("59s");
        expect(formatAge(600)).toBe("10m");
    });
});

describe("ssh-config", () => {
    it("has a Host entry per node with the key and no host-key prompts", () => {
        const text = sshConfig(info, "/home/me/lab.key", "lab.ssh");
        expect(text.match(/^Host cluster-node-\d$/gm)).toEqual(["Host cluster-node-1", "Host cluster-node-2", "Host cluster-node-3"]);
        expect(text).toContain("    HostName 10.79.0.12\n    User clusteros\n    IdentityFile /home/me/lab.key");
        expect(text).toContain("StrictHostKeyChecking no");
    });
});

describe("probe.sh", () => {
    const PROBE = fs.readFileSync(path.join(__dirname, "..", "..", "cli", "probe.sh"), "utf8");
    /** The paths probe.sh looks at, moved under a scratch root. */
    const MOVED = ["/usr/local/bin/", "/var/lib/kubelet/", "/etc/clusteros/", "/etc/kubernetes/", "/run/cloud-init/"];

    interface Node {
        binaries?: ("k3s" | "kubelet" | "kubectl")[];
        files?: string[];
    }

    /** Runs probe.sh as `lab status` does (bash -s), on a fake node: its binaries, files and a recording sudo. */
    function probe(node: Node): { output: string; calls: string[] } {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "probe-"));
        try {
            const bin = path.join(root, "usr/local/bin");
            const stubs = path.join(root, "stubs");
            for (const d of [bin, stubs, path.join(root, "var/lib/kubelet/pki"), path.join(root, "etc/clusteros")]) fs.mkdirSync(d, { recursive: true });
            const log = path.join(root, "calls.log");
            const stub = (dir: string, name: string, body: string) => fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
            stub(stubs, "hostname", "echo cluster-node-2");
            stub(stubs, "sudo", `echo "sudo $*" >> "${log}"; exec "$@"`);
            stub(stubs, "wg", "exit 1");
            stub(stubs, "sinfo", "exit 1");
            // The API server as curl reaches it with the node's client certificate: its Node, compact JSON.
            stub(stubs, "curl", `case "$*" in *"--cert ${root}/var/lib/kubelet/pki/kubelet-client-current.pem https://10.80.0.1:6443/api/v1/nodes/cluster-node-2")
  echo '{"kind":"Node","status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":"False","reason":"KubeletNotReady"}]}}' ;; *) exit 7 ;; esac`);
            const answers: Record<string, string> = {
                k3s: `[ "$*" = "kubectl get node cluster-node-2 --no-headers" ] && echo "cluster-node-2   Ready    control-plane,master   5m   v1.31.4+k3s1"`,
                kubectl: `[ "$*" = "--kubeconfig ${root}/var/lib/kubelet/kubeconfig get node cluster-node-2 --no-headers" ] && echo "cluster-node-2   NotReady   <none>   1m   v1.37.2"`,
                kubelet: "exit 0",
            };
            for (const b of node.binaries ?? []) stub(bin, b, answers[b]);
            for (const f of node.files ?? []) fs.writeFileSync(path.join(root, f), f.endsWith("kubernetes.env") ? "SERVER_IP=10.80.0.1\n" : "x\n");
            let script = PROBE;
            for (const p of MOVED) script = script.split(p).join(`${root}${p}`);
            const output = execFileSync("bash", ["-s"], { input: script, encoding: "utf8", env: { ...process.env, PATH: `${stubs}:${bin}:/usr/bin:/bin` } });
            const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
            return { output, calls };
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    }
    const kubernetesLine = (output: string) => output.split("\n").filter((l) => l.startsWith("kubernetes="));

    it("reads a K3s node's state through k3s kubectl", () => {
        const { output } = probe({ binaries: ["k3s", "kubectl"], files: ["etc/clusteros/kubernetes.env", "var/lib/kubelet/kubeconfig"] });
        expect(kubernetesLine(output)).toEqual(["kubernetes=Ready"]);
        expect(parseProbe(output).kubernetes).toBe("Ready");
    });

    it("reads an upstream node's Ready condition from the API server with kubelet's own certificate", () => {
        const { output, calls } = probe({ binaries: ["kubelet", "kubectl"], files: ["etc/clusteros/kubernetes.env", "var/lib/kubelet/pki/kubelet-client-current.pem"] });
        expect(kubernetesLine(output)).toEqual(["kubernetes=NotReady"]);
        expect(calls.some((c) => c.startsWith("sudo curl ") && c.includes("https://10.80.0.1:6443/api/v1/nodes/cluster-node-2"))).toBe(true);
    });

    it("says an upstream node whose kubelet has not joined yet is starting", () => {
        const { output } = probe({ binaries: ["kubelet", "kubectl"], files: ["etc/clusteros/kubernetes.env"] });
        expect(kubernetesLine(output)).toEqual(["kubernetes="]);
        expect(parseProbe(output).kubernetes).toBe("");
    });

    it("says absent when the image has no Kubernetes at all, configured or not", () => {
        for (const files of [["etc/clusteros/kubernetes.env"], []]) {
            expect(kubernetesLine(probe({ files }).output)).toEqual(["kubernetes=absent"]);
        }
    });

    it("says off on a node with Kubernetes in its image but none configured", () => {
        expect(kubernetesLine(probe({ binaries: ["kubelet", "kubectl"] }).output)).toEqual(["kubernetes=off"]);
    });

    it("prints what lab status parses, whatever the node lacks", () => {
        const parsed = parseProbe(probe({}).output);
        expect(parsed).toEqual({ cloudInit: "not-started", handshakeAges: [], slurm: "", kubernetes: "absent" });
    });
});
