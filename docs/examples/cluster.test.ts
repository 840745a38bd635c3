// A cluster test, as docs/WRITING_TESTS.md explains it: a 3-node cluster from the ci
// stack's settings, SLURM across it, then a checkpoint, a partition and a slow link, each undone.
import { describe, expect, it } from "vitest";
import { useLabCluster } from "clusteros-lab/testing";

const lab = useLabCluster({ stack: "example", from: "ci", config: { nodeCount: 3 } });

describe("a 3-node ClusterOS cluster", () => {
    it("runs a SLURM job on every node", async () => {
        const c = lab();
        await c.node(1).waitForUnit("slurmctld");
        for (const node of c.nodes) await node.waitForUnit("slurmd");
        const hosts = await c.node(1).succeed("srun -N3 hostname | sort");
        expect(hosts.trim().split("\n")).toEqual(["cluster-node-1", "cluster-node-2", "cluster-node-3"]);
    });

    it("loses node 3 behind a partition, and gets it back when healed", async () => {
        const c = lab();
        await c.partition([3], [1, 2]);
        await c.node(1).fail("ping -c 2 -W 2 cluster-node-3-wg");
        await c.node(1).succeed("ping -c 2 -W 2 cluster-node-2-wg");
        await c.heal();
        await c.node(1).waitUntilSucceeds("ping -c 1 -W 2 cluster-node-3-wg", 60);
    });

    it("is back as it was after a checkpoint is restored", async () => {
        const c = lab();
        c.checkpoint("example", { replace: true });
        try {
            await c.node(2).succeed("sudo systemctl stop slurmd && echo broken | sudo tee /var/tmp/example");
            c.crash(3);
            await c.restore("example");
            await c.node(2).waitForUnit("slurmd");
            await c.node(2).fail("test -e /var/tmp/example");
        } finally {
            c.removeCheckpoint("example");
        }
    });

    it("slows the link between nodes 1 and 2, and only that link", async () => {
        const c = lab();
        const rtt = async (to: string) => Number(await c.node(1).succeed(`ping -c 3 -q ${to} | awk -F/ '/^rtt/ { print $5 }'`));
        await c.degrade([1], [2], { delayMs: 300 });
        try {
            expect(await rtt("cluster-node-2")).toBeGreaterThan(500); // 300 ms each way
            expect(await rtt("cluster-node-3")).toBeLessThan(300);
        } finally {
            await c.heal();
        }
        expect(await rtt("cluster-node-2")).toBeLessThan(300);
    });
});
