// membership=agent as data: each node's seed carries its identity and nothing more, and the
// configuration refuses what the agent could not honour. membership=lab stays as it was.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { INIT_ONLY } from "../../components/plan/cloud-init";
import { planCluster, PlanFiles } from "../../components/plan/cluster-plan";
import { ConfigError } from "../../components/plan/config";
import { config } from "./helpers";

const files: PlanFiles = { read: (p) => Buffer.from(`content of ${p}`), cacheDir: "/cache" };
const SECRETS = { wireguardPrivateKey: "WG-PRIVATE", mungeKey: "TVVOR0U=", kubernetes: { token: "0123456789abcdef0123456789abcdef" }, clusterKey: "CLUSTER-KEY" };

function writtenFiles(userData: string): Map<string, string> {
    const doc = parse(userData.replace(/^#cloud-config\n/, "")) as { write_files: { path: string; content: string }[] };
    return new Map(doc.write_files.map((f) => [f.path, Buffer.from(f.content, "base64").toString()]));
}

function problemsOf(raw: Record<string, unknown>): string[] {
    try {
        config(raw as never);
        return [];
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return e.problems.map((p) => `${p.key}: ${p.problem} -> ${p.fix}`);
    }
}

describe("membership=agent", () => {
    const agent = { nodeCount: 3, kubernetes: "off", membership: "agent", nodeAgentPath: "/bin/node-agent" };
    const plan = planCluster("clusteros-lab", "ci", config(agent as never), files);

    it("gives each node its identity and the cluster key, and no WireGuard key, munge key, role or peer", () => {
        const docs = plan.nodes[1].cloudInit(SECRETS, "ssh-ed25519 AAAA automation");
        const written = writtenFiles(docs.userData);
        expect([...written.keys()]).toEqual(["/etc/clusteros/node-agent.env", INIT_ONLY]);
        const env = written.get("/etc/clusteros/node-agent.env")!;
        for (const line of ["CLUSTEROS_MEMBERSHIP=agent", "CLUSTEROS_NODE_NAME=cluster-node-2", "CLUSTEROS_NODE_INDEX=2",
            "CLUSTEROS_CLUSTER_KEY=CLUSTER-KEY", "CLUSTEROS_NODE_IP=10.77.0.11", "CLUSTEROS_NODE_CIDR=10.77.0.0/24", "CLUSTEROS_SLURM=true"]) {
            expect(env).toContain(`${line}\n`);
        }
        expect(env).not.toContain("CLUSTEROS_ROLES");
        expect(docs.userData).not.toContain("WG-PRIVATE");
        expect(docs.userData).not.toContain("runcmd");
        expect(docs.userData).toContain("ssh-ed25519 AAAA automation");
        expect(docs.networkConfig).toContain("10.77.0.11/24");
    });

    it("has no membership step and no roles: each node waits for its agent's ready instead", () => {
        for (const n of plan.nodes) {
            expect(n.membership).toBeUndefined();
            expect(n.membershipAfter).toBeUndefined();
            expect(n.readiness?.environment).toEqual({ READY_HOSTNAME: n.node.hostname, READY_TIMEOUT: "900" });
            expect(n.readiness?.leaveScript).toMatch(/systemctl kill --kill-who=main --signal=SIGTERM "\$unit"[\s\S]*systemctl stop "\$unit"/);
            expect(n.output.roles).toEqual([]);
        }
        expect(plan.outputs.controller).toBeUndefined();
        expect(plan.membership).toBe("agent");
    });

    it("grows by an identity: a fourth node changes nothing the first three were given", () => {
        const four = planCluster("clusteros-lab", "ci", config({ ...agent, nodeCount: 4 } as never), files);
        for (const i of [0, 1, 2]) {
            expect(four.nodes[i].cloudInit(SECRETS, "k")).toEqual(plan.nodes[i].cloudInit(SECRETS, "k"));
        }
    });

    it("refuses, naming the keys, an agent mode without an agent or with lab-only settings", () => {
        expect(problemsOf({ membership: "agent", kubernetes: "off" })).toEqual([
            expect.stringMatching(/^membership: needs a node agent.*nodeAgentPath.*-> pulumi config set nodeAgentPath .*clusteros-serf-agent/),
        ]);
        const lab = problemsOf({ ...agent, kubernetes: "k3s", controllerNode: 2 });
        expect(lab).toEqual([
            expect.stringMatching(/^kubernetes: is lab-driven.*-> pulumi config set kubernetes off, or pulumi config set membership lab$/),
            expect.stringMatching(/^controllerNode: assigns a role.*-> pulumi config rm controllerNode, or pulumi config set membership lab$/),
        ]);
        expect(problemsOf({ membership: "gossip" })).toEqual([expect.stringMatching(/^membership: .*lab, agent/)]);
    });
});

describe("membership=lab (the default)", () => {
    it("keeps the lab's membership step and its keys", () => {
        const plan = planCluster("clusteros-lab", "ci", config({ nodeCount: 2, kubernetes: "off" }), files);
        expect(plan.membership).toBe("lab");
        const written = writtenFiles(plan.nodes[0].cloudInit(SECRETS, "k").userData);
        expect([...written.keys()]).toEqual(["/etc/wireguard/wg0.conf", "/etc/clusteros/node-agent.env", "/etc/munge/munge.key", "/etc/clusteros/slurm-controller", INIT_ONLY]);
        expect(written.get("/etc/clusteros/node-agent.env")).toContain("CLUSTEROS_ROLES=slurm-controller");
        expect(plan.nodes[1].membership!(["k1", "k2"]).data.peersConf).toContain("PublicKey = k1");
        expect(plan.nodes[1].readiness).toBeUndefined();
    });
});
