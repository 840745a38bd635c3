// membership=agent with the reference agent (examples/serf-agent): the stack gives each node
// its identity, the agents form the cluster by gossip. Three nodes up, a fourth added by
// nodeCount alone, one crashed and powered on again, then destroyed. The stack
// (E2E_AGENT_STACK) is made by tests/e2e/e2e.sh from the ci stack's settings.
import { describe, expect, it } from "vitest";
import { eventually, expectChanges, expectOk, inHost, lastUpdateChanges, prefixOf, pulumi, run, script, configSet, statusRows, virsh } from "./context";

const stack = process.env.E2E_AGENT_STACK ?? "";
const SERF = "sudo /var/lib/clusteros-serf-agent/serf";
const onNode = (n: number, cmd: string) => run(inHost([script("lab.sh"), "--stack", stack, "exec", String(n), cmd]));
const up = (log: string) => run(inHost([script("up.sh"), stack]), { log });
const names = (count: number) => Array.from({ length: count }, (_, i) => `cluster-node-${i + 1}`);

/** serf's members on node n: name -> status. */
async function members(n: number): Promise<Map<string, string>> {
    const r = await onNode(n, `${SERF} members`);
    expectOk(r, `serf members on node ${n}`);
    return new Map(r.stdout.trim().split("\n").map((l) => l.trim().split(/\s+/)).map(([name, , status]) => [name, status]));
}


/** srun over `count` nodes: each node's hostname once. */
async function srun(count: number): Promise<string[]> {
    const r = await onNode(1, `srun -N${count} hostname`);
    expectOk(r, `srun -N${count}`);
    return r.stdout.trim().split("\n").map((l) => l.trim()).sort();
}

describe.runIf(stack)("membership=agent: the reference agent forms the cluster", () => {
    it("make up brings up 3 nodes with no membership step and no WireGuard key made by the stack; every agent reports ready", async () => {
        const r = await up("agent-up.log");
        expectOk(r, "make up (membership=agent)");
        for (const n of names(3)) expect(r.output).toContain(`[${n}] node agent ready`);
        expect(r.output).not.toMatch(/-membership |WireGuardMesh/);
    }, 1_800_000);

    it("serf members lists three alive members on every node", async () => {
        for (const n of [1, 2, 3]) {
            expect(Object.fromEntries(await members(n)), `node ${n}'s view`).toEqual(Object.fromEntries(names(3).map((m) => [m, "alive"])));
        }
    }, 300_000);

    it("WireGuard has a handshake between every pair, with the keys the agents made", async () => {
        for (const n of [1, 2, 3]) {
            for (const peer of [1, 2, 3].filter((p) => p !== n)) {
                expectOk(await onNode(n, `ping -c 1 -W 10 cluster-node-${peer}-wg`), `ping from node ${n} to node ${peer} over wg0`);
            }
            const hs = await onNode(n, "sudo wg show wg0 latest-handshakes");
            const ages = hs.stdout.trim().split("\n").map((l) => Number(l.trim().split(/\s+/)[1]));
            expect(ages, `node ${n}'s handshakes:\n${hs.stdout}`).toHaveLength(2);
            expect(ages.every((t) => t > 0), `node ${n}'s handshakes:\n${hs.stdout}`).toBe(true);
        }
        const keys = await run(["pulumi", "stack", "output", "--stack", stack, "nodes", "--json"]);
        for (const node of JSON.parse(keys.stdout) as { wireguardPublicKey: string }[]) expect(node.wireguardPublicKey).toBe("");
    }, 300_000);

    it("srun -N3 runs on the three nodes, which SLURM reaches at their mesh addresses", async () => {
        expect(await srun(3)).toEqual(names(3));
        const addr = await onNode(1, "scontrol show node cluster-node-3 | grep -o 'NodeAddr=[0-9.]*'");
        const wireguardCidr = (await pulumi("config", "get", "--stack", stack, "wireguardCidr")).stdout.trim();
        expect(addr.stdout.trim()).toBe(`NodeAddr=${wireguardCidr.replace(/0\/\d+$/, "3")}`);
    }, 300_000);

    it("lab status shows every agent ready with 3 alive members", async () => {
        const rows = await statusRows(stack);
        expect(rows.map((r) => [r.node, r.agent, r.healthy])).toEqual(names(3).map((n) => [n, "ready, 3 alive", true]));
    }, 300_000);

    it("a fourth node added with nodeCount joins by gossip alone (the update only creates) and srun -N4 runs", async () => {
        await configSet(stack, "nodeCount", "4");
        const r = await up("agent-scale-out.log");
        expectOk(r, "make up (4 nodes)");
        expectChanges(await lastUpdateChanges(stack), "create");
        expect(await eventually(240, async () => [...(await members(1)).values()].filter((s) => s === "alive").length === 4),
            "node 1 sees 4 alive members").toBe(true);
        expect(await eventually(240, async () => (await onNode(1, "srun -N4 hostname")).code === 0, 5_000), "srun -N4 runs").toBe(true);
        expect(await srun(4)).toEqual(names(4));
    }, 1_800_000);

    it("a crashed node is reported failed by serf and by lab status, and rejoins when powered on", async () => {
        expectOk(await run(inHost([script("lab.sh"), "--stack", stack, "crash", "4"])), "lab crash 4");
        expect(await eventually(180, async () => (await members(1)).get("cluster-node-4") === "failed"),
            "serf on node 1 reports cluster-node-4 failed").toBe(true);
        expect(await eventually(60, async () => {
            const rows = await statusRows(stack);
            return rows[3].domain === "shut off" && rows[0].agent.includes("1 failed (cluster-node-4)") && !rows[0].healthy;
        }), "lab status: node 4 shut off, node 1's agent sees it failed").toBe(true);
        expectOk(await run(inHost([script("lab.sh"), "--stack", stack, "power-on", "4"])), "lab power-on 4");
        expect(await eventually(400, async () => (await statusRows(stack)).every((r) => r.healthy && r.agent === "ready, 4 alive"), 5_000),
            "all 4 healthy, every agent seeing 4 alive").toBe(true);
        expect(await srun(4)).toEqual(names(4));
    }, 900_000);

    it("nodeCount back to 3 removes the fourth, which leaves the cluster (serf: left), and srun -N3 runs", async () => {
        await configSet(stack, "nodeCount", "3");
        const r = await up("agent-scale-in.log");
        expectOk(r, "make up (3 nodes)");
        expect(r.output).toContain("[cluster-node-4] stopping the node agent");
        expectChanges(await lastUpdateChanges(stack), "delete");
        expect(await eventually(60, async () => (await members(1)).get("cluster-node-4") === "left"), "serf on node 1: cluster-node-4 left").toBe(true);
        expect(await eventually(240, async () => (await statusRows(stack)).every((row) => row.healthy && row.agent === "ready, 3 alive"), 5_000),
            "3 healthy nodes, every agent seeing 3 alive").toBe(true);
        expect(await srun(3)).toEqual(names(3));
    }, 1_200_000);

    it("pulumi destroy leaves nothing of the stack on the daemon", async () => {
        expectOk(await run(inHost(["pulumi", "destroy", "--stack", stack, "--yes", "--skip-preview"]), { log: "agent-destroy.log" }), "pulumi destroy");
        const left = (await Promise.all([["list", "--all", "--name"], ["net-list", "--all", "--name"], ["pool-list", "--all", "--name"]]
            .map(async (args) => (await virsh(...args)).stdout))).join("\n").split("\n").filter((l) => l.startsWith(prefixOf(stack)));
        expect(left).toEqual([]);
    }, 900_000);
});
