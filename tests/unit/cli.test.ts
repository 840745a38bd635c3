// The cluster control CLI against a fake stack output.
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { assess, formatAge, parseProbe, runsKubernetes } from "../../cli/health";
import { sshConfig, writeSshKey } from "../../cli/ssh";
import { CliError, hostOf, loadStack, NO_STACK, nodeByNumber, parseStackOutputs, resolveStack } from "../../cli/stack";
import { assessAll, Probers, status, statusTable, untilHealthy } from "../../cli/status";
import type { Row } from "../../cli/health";
import { colour, newTable, tableOptions } from "../../cli/table";
import { virshAt } from "../../cli/virsh";

/** A node as the stack's `nodes` output gives it. */
const nodeOutput = (i: number) => ({
    name: `cluster-node-${i}`, domain: `clusteros-lab-ci-node-${i}`, ip: `10.79.0.${9 + i}`, wireguardIp: `10.80.0.${i}`,
    wireguardPublicKey: `key${i}=`, ssh: "", vncDisplay: "", serialLog: `/var/log/libvirt/qemu/n${i}.log`,
    roles: i === 1 ? ["slurm-controller"] : ["slurm-worker"],
});

const outputs = {
    nodes: [1, 2, 3].map(nodeOutput),
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
        expect(() => loadStack(undefined, () => "")).toThrow(NO_STACK);
    });

    it("acts on the stack given, else on the one pulumi stack select chose, else says how to choose one", () => {
        const asked: string[][] = [];
        const selected = (name: string) => (cmd: string, args: string[]) => {
            asked.push([cmd, ...args]);
            if (!name) throw Object.assign(new Error("exit 255"), { stderr: "error: no stack selected" });
            return `${name}\n`;
        };
        expect(resolveStack("ci", selected("mine"))).toBe("ci");
        expect(asked).toEqual([]);
        expect(resolveStack(undefined, selected("mine"))).toBe("mine");
        expect(asked).toEqual([["pulumi", "stack", "--show-name"]]);
        expect(() => resolveStack(undefined, selected(""))).toThrow(new CliError(NO_STACK));
        expect(NO_STACK).toContain("pulumi stack select NAME");
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
        expect(r.problems).toEqual(["cloud-init running", "1 of 2 WireGuard peers", "1 stale WireGuard handshake",
            "SLURM down* (slurmctld gives no reason; slurmd's state unknown)"]);
    });

    it("calls a node whose root file system takes no new file unhealthy (after I/O errors), and says so first", () => {
        const probe = parseProbe("cloudinit=done\nrootfs=read-only\nhandshakes=12,40\nslurm=idle\nkubernetes=absent\n");
        expect(probe.rootFs).toBe("read-only");
        const row = assess(info.nodes[0], { domainState: "running", reachable: true, ...probe }, 2, true, false);
        expect(row.problems).toEqual(["root file system read-only (I/O errors?)"]);
        expect(assess(info.nodes[0], { ...healthy, rootFs: "writable" }, 2, true, false).healthy).toBe(true);
    });

    it("never reports an unhealthy SLURM node without slurmctld's reason and slurmd's state", () => {
        const failed = { ...healthy, slurm: "unk*", slurmReason: "Not responding [slurm@2026-12-02T10:00:00]", slurmd: "failed",
            slurmdLog: "slurmd: error: Long time waiting for scope | slurmd: fatal: scope and/or cgroup directory for slurmstepd could not be set." };
        expect(assess(info.nodes[0], failed, 2, true, false).problems).toEqual([
            "SLURM unk* (reason: Not responding [slurm@2026-12-02T10:00:00]; slurmd failed: slurmd: error: Long time waiting for scope"
            + " | slurmd: fatal: scope and/or cgroup directory for slurmstepd could not be set.)"]);
        const drained = { ...healthy, slurm: "drain", slurmReason: "disk full [root@2026-12-02T10:00:00]", slurmd: "active" };
        expect(assess(info.nodes[0], drained, 2, true, false).problems).toEqual(["SLURM drain (reason: disk full [root@2026-12-02T10:00:00]; slurmd active)"]);
        // "*" is slurmctld not hearing from slurmd, whatever the state before it.
        const silent = { ...healthy, slurm: "idle*", slurmReason: "", slurmd: "inactive", slurmdLog: "Stopped slurmd.service - Slurm node daemon." };
        expect(assess(info.nodes[0], silent, 2, true, false).problems).toEqual([
            "SLURM idle* (slurmctld gives no reason; slurmd inactive: Stopped slurmd.service - Slurm node daemon.)"]);
        for (const up of ["idle", "alloc", "mix", "idle~", "mixed-", "comp"]) expect(assess(info.nodes[0], { ...healthy, slurm: up }, 2, true, false).healthy, up).toBe(true);
        // Whatever the probe could not learn, the problem says so rather than stopping at the state.
        for (const slurm of ["unk*", "down*", "drain", "fail", ""]) {
            const [problem] = assess(info.nodes[0], { ...healthy, slurm }, 2, true, false).problems;
            expect(problem).toMatch(/^SLURM .+ \(.*(reason|no reason).*slurmd.*\)$/);
        }
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
    it("keeps the key in the user's state directory, 0600 in a 0700 directory, never beside the config file", () => {
        const state = fs.mkdtempSync(path.join(os.tmpdir(), "lab-state-"));
        try {
            const key = writeSshKey(info, { CLUSTEROS_LAB_STATE: state });
            expect(key).toBe(path.join(state, "ssh", "ci.key"));
            expect(fs.readFileSync(key, "utf8")).toBe(info.automationPrivateKey);
            expect(fs.statSync(key).mode & 0o777).toBe(0o600);
            expect(fs.statSync(path.dirname(key)).mode & 0o777).toBe(0o700);
        } finally {
            fs.rmSync(state, { recursive: true, force: true });
        }
    });

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
    const MOVED = ["/usr/local/bin/", "/var/lib/kubelet/", "/etc/clusteros/", "/etc/kubernetes/", "/run/cloud-init/", "/run/clusteros/", "/var/tmp/"];

    interface Node {
        binaries?: ("k3s" | "kubelet" | "kubectl")[];
        files?: string[];
        slurm?: { state: string; reason: string; slurmd: string };
        /** The node agent binary's content. */
        agent?: string;
        /** No file can be made on its root file system (here: no /var/tmp to make one in). */
        readOnlyRoot?: boolean;
        /** Each WireGuard peer's latest handshake, as `wg show wg0 latest-handshakes` prints it (seconds since the epoch, 0: never). */
        handshakes?: number[];
        /** What a node agent reports (membership=agent): files of /run/clusteros/agent. */
        agentReport?: Record<"state" | "members" | "roles", string>;
    }

    /** Runs probe.sh as `lab status` does (bash -s), on a fake node: its binaries, files and a recording sudo. */
    function probe(node: Node): { output: string; calls: string[] } {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "probe-"));
        try {
            const bin = path.join(root, "usr/local/bin");
            const stubs = path.join(root, "stubs");
            for (const d of [bin, stubs, path.join(root, "var/lib/kubelet/pki"), path.join(root, "etc/clusteros"), ...(node.readOnlyRoot ? [] : [path.join(root, "var/tmp")])]) {
                fs.mkdirSync(d, { recursive: true });
            }
            const log = path.join(root, "calls.log");
            const stub = (dir: string, name: string, body: string) => fs.writeFileSync(path.join(dir, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
            stub(stubs, "sudo", `echo "sudo $*" >> "${log}"; exec "$@"`);
            stub(stubs, "wg", node.handshakes ? `[ "$*" = "show wg0 latest-handshakes" ] && printf '%s\\n' ${node.handshakes.map((t, i) => `"peer${i}=\t${t}"`).join(" ")}` : "exit 1");
            // sinfo as slurmctld answers for this node: state, who set the reason and when, the reason ("none" without one).
            stub(stubs, "sinfo", node.slurm ? `[ "$*" = "-h -N -n cluster-node-2 -o %t|%u|%H|%E" ] && echo "${node.slurm.state}|${node.slurm.reason ? "slurm|2026-12-02T10:00:00" : "Unknown|Unknown"}|${node.slurm.reason || "none"}"` : "exit 1");
            stub(stubs, "systemctl", `[ "$*" = "is-active slurmd" ] && echo "${node.slurm?.slurmd ?? "inactive"}"`);
            stub(stubs, "journalctl", `[ "$*" = "-u slurmd -n 3 --no-pager -o cat" ] && printf '%s\\n' "slurmd: error: Long time waiting" "slurmd: fatal: scope could not be set."`);
            // The API server as curl reaches it with the node's client certificate: its Node, in the
            // indented JSON the API server gives curl's user agent.
            const nodeJson = JSON.stringify({ kind: "Node", status: { conditions: [
                { type: "MemoryPressure", status: "False" }, { type: "Ready", status: "False", reason: "KubeletNotReady" }] } }, null, 2);
            stub(stubs, "curl", `case "$*" in *"--cert ${root}/var/lib/kubelet/pki/kubelet-client-current.pem https://10.80.0.1:6443/api/v1/nodes/cluster-node-2")
  cat <<'JSON'
${nodeJson}
JSON
  ;; *) exit 7 ;; esac`);
            const answers: Record<string, string> = {
                k3s: `[ "$*" = "kubectl get node cluster-node-2 --no-headers" ] && echo "cluster-node-2   Ready    control-plane,master   5m   v1.31.4+k3s1"`,
                kubectl: `[ "$*" = "--kubeconfig ${root}/var/lib/kubelet/kubeconfig get node cluster-node-2 --no-headers" ] && echo "cluster-node-2   NotReady   <none>   1m   v1.37.2"`,
                kubelet: "exit 0",
            };
            for (const b of node.binaries ?? []) stub(bin, b, answers[b]);
            if (node.agent !== undefined) fs.writeFileSync(path.join(bin, "clusteros-node-agent"), node.agent, { mode: 0o755 });
            if (node.agentReport) {
                fs.mkdirSync(path.join(root, "run/clusteros/agent"), { recursive: true });
                for (const [f, text] of Object.entries(node.agentReport)) fs.writeFileSync(path.join(root, "run/clusteros/agent", f), text);
            }
            for (const f of node.files ?? []) fs.writeFileSync(path.join(root, f), f.endsWith("kubernetes.env") ? "SERVER_IP=10.80.0.1\n" : "x\n");
            let script = PROBE;
            for (const p of MOVED) script = script.split(p).join(`${root}${p}`);
            const output = execFileSync("bash", ["-s"], { input: script, encoding: "utf8", env: { ...process.env, HOSTNAME: "cluster-node-2", PATH: `${stubs}:${bin}:/usr/bin:/bin` } });
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
        // NotReady: curl answered as the API server does for exactly this node's URL and kubelet's certificate
        // (any other call exits 7); the certificate looked for and curl run under one sudo.
        expect(calls.filter((c) => c.startsWith("sudo bash -c test -e "))).toHaveLength(1);
        expect(calls.join("\n")).toContain("exec curl ");
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
        expect(parsed).toEqual({ cloudInit: "not-started", handshakeAges: [], slurm: "", kubernetes: "absent", slurmReason: "",
            slurmd: "inactive", slurmdLog: "slurmd: error: Long time waiting | slurmd: fatal: scope could not be set.", agentSha: "", rootFs: "writable" });
    });

    it("says the root file system is read-only when no file can be made on it, and leaves no file when one can", () => {
        expect(parseProbe(probe({ readOnlyRoot: true }).output).rootFs).toBe("read-only");
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "probe-tmp-"));
        try {
            execFileSync("bash", ["-s"], { input: PROBE.split("/var/tmp/").join(`${root}/`), encoding: "utf8", env: { ...process.env, PATH: "/usr/bin:/bin" } });
            expect(fs.readdirSync(root)).toEqual([]);
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("reports each WireGuard peer's handshake age, a peer never met as inf", () => {
        const now = Math.floor(Date.now() / 1000);
        const ages = parseProbe(probe({ handshakes: [now - 30, 0, now - 200] }).output).handshakeAges ?? [];
        expect(ages[1]).toBe(Infinity);
        expect([ages[0], ages[2]].map((a) => Math.round(a / 10))).toEqual([3, 20]);
    });

    it("reports what the node agent reports: its state, the members with their status, its roles", () => {
        const parsed = parseProbe(probe({ agentReport: { state: "ready: 3 alive members, SLURM controller cluster-node-1\n",
            members: "cluster-node-1 10.79.0.10 alive\ncluster-node-2 10.79.0.11 alive\ncluster-node-3 10.79.0.12 failed\n", roles: "slurm-node\n" } }).output);
        expect(parsed).toMatchObject({ agentState: "ready: 3 alive members, SLURM controller cluster-node-1", agentRoles: ["slurm-node"],
            agentMembers: [{ name: "cluster-node-1", status: "alive" }, { name: "cluster-node-2", status: "alive" }, { name: "cluster-node-3", status: "failed" }] });
    });

    it("reports the sha256 of the node's agent binary, which lab status compares with the stack's build", () => {
        const content = "#!/bin/sh\necho agent\n";
        expect(parseProbe(probe({ agent: content }).output).agentSha).toBe(crypto.createHash("sha256").update(content).digest("hex"));
    });

    it("reports slurmctld's reason and slurmd's state and last log lines, which lab status shows beside the state", () => {
        const failed = parseProbe(probe({ slurm: { state: "unk*", reason: "Not responding", slurmd: "failed" } }).output);
        expect(failed).toMatchObject({ slurm: "unk*", slurmReason: "Not responding [slurm@2026-12-02T10:00:00]", slurmd: "failed",
            slurmdLog: "slurmd: error: Long time waiting | slurmd: fatal: scope could not be set." });
        const up = parseProbe(probe({ slurm: { state: "idle", reason: "", slurmd: "active" } }).output);
        expect(up).toMatchObject({ slurm: "idle", slurmd: "active", slurmdLog: undefined });
    });
});

describe("nodes on several libvirt hosts", () => {
    const LAB2_URI = "qemu+unix:///system?socket=/x";
    /** Outputs of a stack with nodes 1-2 on the main host and 3-4 on host lab2 at `lab2Uri`. */
    const twoHosts = (lab2Uri = LAB2_URI) => ({
        ...outputs,
        nodes: [1, 2, 3, 4].map((i) => ({ ...nodeOutput(i), host: i <= 2 ? "main" : "lab2" })),
        hosts: [
            { name: "main", libvirtUri: "qemu:///system", nodeCidr: "10.79.0.0/24", network: "clusteros-lab-ci", nodes: [1, 2] },
            { name: "lab2", libvirtUri: lab2Uri, nodeCidr: "10.79.1.0/24", network: "clusteros-lab-ci-lab2", nodes: [3, 4] },
        ],
    });
    const multi = parseStackOutputs("ci", JSON.stringify(twoHosts()));
    const LAB2_DOWN = `host lab2 does not answer at ${LAB2_URI} (failed to connect to the hypervisor; `
        + "Failed to connect socket to '/x': No such file or directory)";

    // A virsh that records its arguments, answers "running" for any domain, and fails to
    // connect, as virsh does, to any URI whose socket is /x.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-virsh-"));
    const virshLog = path.join(dir, "calls.log");
    const fakeVirsh = path.join(dir, "virsh");
    fs.writeFileSync(fakeVirsh, `#!/bin/sh
echo "$*" >> "${virshLog}"
case "$3" in *socket=/x*)
    echo "error: failed to connect to the hypervisor" >&2
    echo "error: Failed to connect socket to '/x': No such file or directory" >&2
    exit 1 ;;
esac
echo running
`, { mode: 0o755 });
    const virshCalls = () => (fs.existsSync(virshLog) ? fs.readFileSync(virshLog, "utf8").trim().split("\n") : []);
    afterEach(() => {
        fs.rmSync(virshLog, { force: true });
        vi.restoreAllMocks();
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    /** Probers with the fake virsh, and every node answering the probe as a healthy node does; records whom it probed. */
    function fakeProbers(): Probers & { probed: string[] } {
        const probed: string[] = [];
        return {
            probed,
            virsh: (host) => virshAt(host, fakeVirsh),
            probe: async (node) => {
                probed.push(node.name);
                const stdout = "cloudinit=done\nhandshakes=10,20,30\nslurm=idle\nkubernetes=absent\n";
                return { code: 0, stdout, stderr: "", output: stdout };
            },
        };
    }

    describe("a wait for health", () => {
        /** Probers whose node N answers healthy from its `healthyFrom[N-1]`-th probe on (1-based; 0: never), and unhealthy again at `sickAt`. */
        function scheduled(healthyFrom: number[], sickAt: Record<string, number> = {}) {
            const probed: string[] = [];
            const probers: Probers = {
                virsh: (host) => virshAt(host, fakeVirsh),
                probe: async (node) => {
                    probed.push(node.name);
                    const nth = probed.filter((n) => n === node.name).length;
                    const from = healthyFrom[Number(node.name.replace(/\D+/g, "")) - 1];
                    const ok = from > 0 && nth >= from && nth !== sickAt[node.name];
                    const stdout = `cloudinit=${ok ? "done" : "running"}\nhandshakes=10,20\nslurm=idle\nkubernetes=absent\n`;
                    return { code: 0, stdout, stderr: "", output: stdout };
                },
            };
            const count = (name: string) => probed.filter((n) => n === name).length;
            return { probers, count };
        }

        it("probes again only the nodes not yet healthy, then every node once more", async () => {
            const { probers, count } = scheduled([1, 1, 4]);
            const rounds: string[][] = [];
            const { rows } = await untilHealthy(info, probers, Date.now() + 10_000, (r) => rounds.push(r.filter((x) => !x.healthy).map((x) => x.node)), 1);
            expect(rows.every((r) => r.healthy)).toBe(true);
            expect(rounds).toEqual([["cluster-node-3"], ["cluster-node-3"], ["cluster-node-3"]]);
            // Nodes 1 and 2: the first round and the last, which asks every node; node 3 until it answered healthy, and that last round.
            expect(["cluster-node-1", "cluster-node-2", "cluster-node-3"].map(count)).toEqual([2, 2, 5]);
        });

        it("goes on waiting when the round that asks every node finds one unhealthy again", async () => {
            const { probers, count } = scheduled([1, 2, 2], { "cluster-node-1": 2 });
            const { rows } = await untilHealthy(info, probers, Date.now() + 10_000, () => {}, 1);
            expect(rows.every((r) => r.healthy)).toBe(true);
            // Node 1 was sick in the round that asked every node: asked alone again, then every node once more.
            expect(["cluster-node-1", "cluster-node-2", "cluster-node-3"].map(count)).toEqual([4, 4, 4]);
        });

        it("ends at the deadline with the rows it has, the unhealthy named", async () => {
            const { probers } = scheduled([1, 0, 1]);
            const { rows } = await untilHealthy(info, probers, Date.now() + 50, () => {}, 5);
            expect(rows.filter((r) => !r.healthy).map((r) => r.node)).toEqual(["cluster-node-2"]);
        });
    });

    /** Runs lab status against the fake hosts; its exit code, and its table's rows as cells by column name. */
    async function runStatus(info: ReturnType<typeof parseStackOutputs>) {
        const printed: string[] = [];
        const errors: string[] = [];
        vi.spyOn(console, "log").mockImplementation((text: string) => { printed.push(text); });
        vi.spyOn(console, "error").mockImplementation((text: string) => { errors.push(text); });
        const probers = fakeProbers();
        const code = await status(info, 0, () => probers);
        // eslint-disable-next-line no-control-regex
        const lines = printed.join("\n").replace(/\x1b\[[0-9;]*m/g, "").split("\n").filter((l) => l.startsWith("│"));
        const cells = (line: string) => line.split("│").slice(1, -1).map((c) => c.trim());
        const [head, ...body] = lines.map(cells);
        const rows = body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
        return { code, head, rows, errors, probed: probers.probed };
    }

    it("takes a stack deployed before hosts existed as one host, main, at its libvirtUri, holding every node", () => {
        expect(info.hosts).toEqual([{ name: "main", libvirtUri: "qemu:///system", nodeCidr: "", network: "", nodes: [1, 2, 3] }]);
        expect(info.nodes.map((n) => n.host)).toEqual(["main", "main", "main"]);
        expect(hostOf(info, info.nodes[2]).libvirtUri).toBe("qemu:///system");
    });

    it("reads each node's host and every host, main first, from the outputs", () => {
        expect(multi.hosts.map((h) => h.name)).toEqual(["main", "lab2"]);
        expect(multi.nodes.map((n) => n.host)).toEqual(["main", "main", "lab2", "lab2"]);
        expect(multi.nodes.map((n) => hostOf(multi, n).libvirtUri)).toEqual(["qemu:///system", "qemu:///system", LAB2_URI, LAB2_URI]);
        expect(multi.libvirtUri).toBe("qemu:///system");
    });

    it("refuses outputs that put a node on a host they do not list", () => {
        const o = twoHosts();
        o.nodes[3].host = "lab3";
        expect(() => parseStackOutputs("ci", JSON.stringify(o)))
            .toThrow(/puts cluster-node-4 on host 'lab3', which its hosts output does not list \(it lists main, lab2\)/);
    });

    it("sends virsh to the node's own host, and names the host and its URI when that host does not answer", () => {
        expect(virshAt(hostOf(multi, multi.nodes[0]), fakeVirsh)("domstate", "clusteros-lab-ci-node-1").out).toBe("running");
        expect(virshCalls()).toEqual(["-q -c qemu:///system domstate clusteros-lab-ci-node-1"]);
        const lab2 = virshAt(hostOf(multi, multi.nodes[3]), fakeVirsh);
        // A CliError: lab prints its message alone.
        const thrown = (() => { try { lab2("start", "clusteros-lab-ci-node-4"); } catch (e) { return e; } })();
        expect(thrown).toBeInstanceOf(CliError);
        expect((thrown as Error).message).toBe(LAB2_DOWN);
        // The main host's daemon is the lab's own in namespace mode: the error says how to start it.
        const mainDown = { ...multi.hosts[0], libvirtUri: LAB2_URI };
        expect(() => virshAt(mainDown, fakeVirsh)("list")).toThrow(/^host main does not answer at .*: scripts\/libvirtd.sh ensure says why/);
        expect(() => virshAt(multi.hosts[0], path.join(dir, "no-virsh"))("list")).toThrow(/host main does not answer at qemu:\/\/\/system \(.*ENOENT/);
    });

    it("shows each node's host in the status table", async () => {
        const { code, head, rows } = await runStatus(parseStackOutputs("ci", JSON.stringify(twoHosts("qemu+unix:///system?socket=/ok"))));
        expect(head.slice(0, 3)).toEqual(["node", "host", "domain"]);
        expect(rows.map((r) => [r.node, r.host, r.domain, r.health])).toEqual([
            ["cluster-node-1", "main", "running", "ok"], ["cluster-node-2", "main", "running", "ok"],
            ["cluster-node-3", "lab2", "running", "ok"], ["cluster-node-4", "lab2", "running", "ok"],
        ]);
        expect(code).toBe(0);
    });

    it("prints the same rows as JSON with --json, with the stack and whether every node is healthy", async () => {
        const printed: string[] = [];
        vi.spyOn(console, "log").mockImplementation((text: string) => { printed.push(text); });
        vi.spyOn(console, "error").mockImplementation(() => undefined);
        const probers = fakeProbers();
        const code = await status(parseStackOutputs("ci", JSON.stringify(twoHosts(LAB2_URI))), 0, () => probers, true);
        const report = JSON.parse(printed.join("\n"));
        expect(code).toBe(1);
        expect(report).toMatchObject({ stack: "ci", healthy: false, stopped: false });
        expect(report.nodes.map((r: Row) => [r.node, r.host, r.healthy])).toEqual([
            ["cluster-node-1", "main", true], ["cluster-node-2", "main", true], ["cluster-node-3", "lab2", false], ["cluster-node-4", "lab2", false]]);
        expect(report.nodes[2].problems).toEqual([LAB2_DOWN]);
    });

    it("reports an unreachable host's nodes, naming the host and its URI, and still probes the other hosts' nodes", async () => {
        const { code, rows, errors, probed } = await runStatus(multi);
        expect(code).toBe(1);
        expect(rows.map((r) => [r.node, r.host, r.domain])).toEqual([
            ["cluster-node-1", "main", "running"], ["cluster-node-2", "main", "running"],
            ["cluster-node-3", "lab2", "host unreachable"], ["cluster-node-4", "lab2", "host unreachable"],
        ]);
        expect(rows.map((r) => r.health)).toEqual(["ok", "ok", LAB2_DOWN, LAB2_DOWN]);
        expect(errors).toEqual([`cluster-node-3 is not healthy: ${LAB2_DOWN}`, `cluster-node-4 is not healthy: ${LAB2_DOWN}`]);
        expect(probed).toEqual(["cluster-node-1", "cluster-node-2"]);
        // The host that did not answer is asked once, not once per node.
        expect(virshCalls().filter((c) => c.includes(LAB2_URI))).toHaveLength(1);
    });

    it("says a node QEMU paused for an I/O error (a full disk) is paused for that, and a node someone paused is paused", async () => {
        const states: Record<string, [string, string]> = { "clusteros-lab-ci-node-1": ["paused", "paused (user)"], "clusteros-lab-ci-node-2": ["paused", "paused (I/O error)"] };
        const probers: Probers = {
            virsh: () => (...args: string[]) => {
                const [plain, reason] = states[args[args.length - 1]] ?? ["running", "running (booted)"];
                return { ok: true, out: args[1] === "--reason" ? reason : plain, err: "" };
            },
            probe: async () => ({ code: 0, stdout: "cloudinit=done\nhandshakes=10,20\nslurm=idle\nkubernetes=absent\n", stderr: "", output: "" }),
        };
        const { rows } = await assessAll(info, probers);
        expect(rows.map((r) => r.domain)).toEqual(["paused", "paused (I/O error)", "running"]);
        expect(rows[1].problems).toEqual(["domain is paused (I/O error)"]);
    });

    it("with an agent built from source, shows which build each node runs (nodeAgentSource)", async () => {
        const built = { source: "/src/node/cmd/node-agent", sourceHash: "0123456789abcdef", sha256: "a".repeat(64), delivery: "image" };
        const withBuild = parseStackOutputs("ci", JSON.stringify({ ...outputs, nodeAgent: built }));
        const shas = ["a".repeat(64), "b".repeat(64), ""];
        const probers: Probers = {
            virsh: (host) => virshAt(host, fakeVirsh),
            probe: async (node) => {
                const stdout = `cloudinit=done\nhandshakes=10,20\nslurm=idle\nkubernetes=absent\nagent_sha=${shas[Number(node.name.slice(-1)) - 1]}\n`;
                return { code: 0, stdout, stderr: "", output: stdout };
            },
        };
        const { rows } = await assessAll(withBuild, probers);
        expect(rows.map((r) => r.agentBuild)).toEqual(["src 0123456789abcdef", "other build (sha256 bbbbbbbbbbbb)", "none"]);
        expect(statusTable(rows)).toContain("agent build");
        // Without nodeAgentSource, no such column.
        expect(statusTable((await assessAll(info, probers)).rows)).not.toContain("agent build");
    });

    it("gives each node's problems and the hosts that did not answer, once each", async () => {
        const { rows, downHosts } = await assessAll(multi, fakeProbers());
        expect(rows.map((r) => r.problems)).toEqual([[], [], [LAB2_DOWN], [LAB2_DOWN]]);
        expect(downHosts.map((h) => [h.host.name, h.problem])).toEqual([["lab2", LAB2_DOWN]]);
    });
});

describe("tables", () => {
    it("are plain when NO_COLOR is set, whatever its value, even on a terminal", () => {
        expect(colour({}, true)).toBe(true);
        expect(colour({ NO_COLOR: "1" }, true)).toBe(false);
        expect(colour({}, false)).toBe(false);
    });

    it("are plain text when the output is not a terminal, so logs and grep see the cells", () => {
        const plain = newTable(["node", "host"], false);
        plain.push(["cluster-node-3", "h2"]);
        expect(plain.toString()).not.toMatch(/\x1b\[/);
        expect(plain.toString()).toContain("│ cluster-node-3 │ h2   │");
        // On a terminal, cli-table3's own colours (which it leaves out where colours are off, as under CI).
        expect(tableOptions(["node"], true)).toEqual({ head: ["node"] });
        expect(tableOptions(["node"], false)).toEqual({ head: ["node"], style: { head: [], border: [] } });
    });
});
