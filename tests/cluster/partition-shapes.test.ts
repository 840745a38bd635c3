// The standard partition shapes on a running cluster of 4 nodes or more (the e2e runs it after
// scaling out to 4): a ring, where every node reaches a majority and no two nodes the same one,
// then a seeded minority cut off from the majority, each healed. Over the WireGuard mesh, so
// what is checked is what the cluster's own traffic sees.
import { describe, expect, it } from "vitest";
import { e2eCluster, meshNamesBut, nodeCount, numbers, pingsAll } from "./e2e-cluster";

const lab = e2eCluster();
const count = nodeCount();

/** Every node reaches the nodes its view holds and none of the others, over the mesh. */
async function reachesExactly(views: Map<number, number[]>): Promise<void> {
    const c = lab();
    await Promise.all([...views].map(async ([x, seen]) => {
        const node = c.node(x);
        await node.waitUntilSucceeds(pingsAll(meshNamesBut(x, seen)), 30);
        for (const y of numbers(count).filter((m) => !seen.includes(m))) await node.fail(`ping -c 2 -W 2 cluster-node-${y}-wg`);
    }));
}

describe(`partition shapes on ${count} nodes`, () => {
    it("ring: every node reaches a majority over the mesh, no two nodes the same one, and no node beyond it", async () => {
        expect(count, "a ring needs 4 nodes or more").toBeGreaterThanOrEqual(4);
        const views = await lab().partitionShape({ kind: "ring" });
        expect(new Set([...views.values()].map((s) => s.join(","))).size).toBe(count);
        await reachesExactly(views);
    });

    it("minority (seed 1): its nodes reach each other and no node of the majority, and the reverse", async () => {
        const views = await lab().partitionShape({ kind: "minority", seed: 1 });
        expect(Math.min(...[...views.values()].map((s) => s.length))).toBeLessThan(count / 2);
        await reachesExactly(views);
    });

    it(`healed: every node reaches every other, and srun -N${count} runs on all`, async () => {
        const c = lab();
        await c.heal();
        await Promise.all(numbers(count).map((n) => c.node(n).waitUntilSucceeds(pingsAll(meshNamesBut(n, numbers(count))), 60)));
        await c.node(1).waitUntilSucceeds(`[ "$(sinfo -h -N -o %t | sort -u)" = idle ]`, 180);
        const out = await c.node(1).succeed(`timeout 120 srun -N${count} hostname | sort -u`);
        expect(out.trim().split("\n")).toEqual(numbers(count).map((n) => `cluster-node-${n}`));
    });
});
