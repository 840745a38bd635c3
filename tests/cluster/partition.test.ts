// Fault injection on a running cluster: node 3 cut off from nodes 1 and 2 on the lab network
// (so on the WireGuard mesh over it), then healed. SLURM notices and recovers; the mesh's
// handshakes age while cut.
import { describe, expect, it } from "vitest";
import { e2eCluster, meshNamesBut, pingsAll } from "./e2e-cluster";

const lab = e2eCluster();
const slurmState = (n: number) => `sinfo -h -n cluster-node-${n} -o %t`;
let cutAt = 0;

describe("node 3 partitioned from nodes 1 and 2, then healed", () => {
    it("partitioned: the mesh is cut both ways between node 3 and nodes 1, 2", async () => {
        const c = lab();
        cutAt = Number(await c.node(1).succeed("date +%s"));
        await c.partition([3], [1, 2]);
        await c.node(1).fail("ping -c 2 -W 2 cluster-node-3-wg");
        await c.node(3).fail("ping -c 2 -W 2 cluster-node-2-wg");
    });

    it("partitioned: nodes 1 and 2 still reach each other", async () => {
        await lab().node(1).waitUntilSucceeds(pingsAll(meshNamesBut(1, [1, 2])), 30);
    });

    // slurmctld pings every SlurmdTimeout/3 (40 s) and marks a node that did not answer as
    // not responding (the * of its state); it would mark it down after SlurmdTimeout (120 s).
    it("SLURM marks node 3 not responding", async () => {
        await lab().node(1).waitUntilSucceeds(`${slurmState(3)} | grep -q '[*]$'`, 150);
    });

    it("node 1's last WireGuard handshake with node 3 ages: none since the partition", async () => {
        const c = lab();
        const key = (await c.node(3).succeed("sudo wg show wg0 public-key")).trim();
        const lines = await c.node(1).succeed("sudo wg show wg0 latest-handshakes");
        const latest = Number(lines.split("\n").map((l) => l.split("\t")).find(([k]) => k === key)?.[1] ?? 0);
        expect(latest).toBeLessThan(cutAt);
    });

    it("healed: node 3 is idle in SLURM again", async () => {
        await lab().heal();
        await lab().node(1).waitUntilSucceeds(`[ "$(${slurmState(3)})" = idle ]`, 150);
    });

    it("healed: node 3 pings every other node over the mesh", async () => {
        await lab().node(3).waitUntilSucceeds(pingsAll(meshNamesBut(3, [1, 2, 3])), 60);
    });

    it("healed: srun -N3 runs on all three nodes", async () => {
        const out = await lab().node(1).succeed("timeout 120 srun -N3 hostname | sort -u");
        expect(out.trim().split("\n")).toEqual(["cluster-node-1", "cluster-node-2", "cluster-node-3"]);
    });
});
