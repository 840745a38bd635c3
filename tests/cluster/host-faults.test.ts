// Faults applied from the host, each undone by heal(): a paused controller, a node's clock an
// hour ahead, the same clock strobed, a lossy link, a node's frames delayed, and delay, jitter,
// duplication, reordering and corruption between one pair of nodes (the frame relay). What
// SLURM, munge and WireGuard do under each, and that the cluster is whole again afterwards.
import { afterAll, describe, expect, it } from "vitest";
import { e2eCluster } from "./e2e-cluster";

const lab = e2eCluster();
const ALL = ["cluster-node-1", "cluster-node-2", "cluster-node-3"];

/**
 * srun -N3 from node 1 until it runs on all three (within `seconds`): its hostnames, sorted.
 * Each try is bounded, so a launch lost under a fault is tried again rather than waited on
 * for ever; a failed try says how SLURM sees the nodes, which a timeout then reports.
 */
async function srunOnAll(c: ReturnType<typeof lab>, seconds: number): Promise<string[]> {
    const out = await c.node(1).waitUntilSucceeds(
        "timeout 40 srun -N3 hostname || { echo \"srun: exit $?; $(sinfo -h -N -o '%N %t %E' | tr '\\n' ';')\"; exit 1; }", seconds);
    return out.trim().split("\n").sort();
}

describe("faults from the host, each healed", () => {
    afterAll(async () => { await lab().heal(); });

    it("a paused controller: SLURM's controller does not answer, then does once resumed, and a job runs on all three", async () => {
        const c = lab();
        c.pause(1);
        await c.node(2).waitUntilSucceeds("scontrol ping | grep -q DOWN", 60);
        c.resume(1);
        await c.node(2).waitUntilSucceeds("scontrol ping | grep -q UP", 60);
        expect(await srunOnAll(c, 120)).toEqual(ALL);
    }, 300_000);

    it("a node's clock an hour ahead: its munge credentials are refused by the others, and accepted again once healed", async () => {
        const c = lab();
        c.clockJump(3, 3600);
        const credential = await c.node(3).succeed("munge -n");
        // unmunge says why on stdout (its metadata's STATUS line); the payload goes nowhere.
        const refused = await c.node(1).exec("unmunge -o /dev/null", credential);
        expect(refused.code, refused.output).not.toBe(0);
        expect(refused.output).toMatch(/Rewound credential/);
        await c.heal();
        const fresh = await c.node(3).succeed("munge -n");
        const accepted = await c.node(1).exec("unmunge -o /dev/null", fresh);
        expect(accepted.code, accepted.output).toBe(0);
        // Every pair handshakes afresh (the peers no longer hold the hour-ahead times) and the cluster is healthy.
        await c.waitHealthy(180);
    }, 400_000);

    it("a node's clock strobed (an hour ahead, then right, every 2 s for 30 s): node 1 refuses some of its munge credentials and accepts others; healed, all is well", async () => {
        const c = lab();
        const verdicts: boolean[] = [];
        const strobe = c.clockStrobe(3, 3600, 2, 30);
        let done = false;
        void strobe.finally(() => { done = true; });
        while (!done) {
            const credential = await c.node(3).exec("munge -n");
            if (credential.code === 0) verdicts.push((await c.node(1).exec("unmunge -o /dev/null", credential.stdout)).code === 0);
        }
        await strobe;
        console.log(`munge credentials from node 3 during the strobe: ${verdicts.filter((ok) => ok).length} accepted, ${verdicts.filter((ok) => !ok).length} refused`);
        expect(verdicts.filter((ok) => !ok).length, `accepted or not, in order: ${verdicts}`).toBeGreaterThan(0);
        expect(verdicts.filter((ok) => ok).length, `accepted or not, in order: ${verdicts}`).toBeGreaterThan(0);
        await c.heal();
        expect((await c.node(1).exec("unmunge -o /dev/null", await c.node(3).succeed("munge -n"))).code).toBe(0);
        await c.waitHealthy(180);
    }, 400_000);

    it("a lossy link (20% of the frames between node 3 and node 1 dropped, from outside the guests): pings are lost, srun -N3 still completes", async () => {
        const c = lab();
        await c.degradeLink([3], [1], { lossPct: 20 });
        const ping = await c.node(1).exec("ping -q -c 40 -i 0.2 -w 20 -W 1 cluster-node-3 | grep -o '[0-9.]*% packet loss'");
        const lost = Number(ping.stdout.match(/([0-9.]+)%/)?.[1] ?? 0);
        expect(lost, ping.output).toBeGreaterThan(5);
        // SLURM retries what is lost; a job may need a second try when its launch is.
        expect(await srunOnAll(c, 180)).toEqual(ALL);
        await c.heal();
        await c.node(1).waitUntilSucceeds("ping -q -c 10 -i 0.2 -w 10 -W 1 cluster-node-3 | grep -q ' 0% packet loss'", 60);
    }, 300_000);

    it("a delay from the hypervisor (every frame node 3 sends held up to 200 ms by QEMU's filter-buffer): node 1's pings to it take longer, srun -N3 still completes; healed, they are fast again", async () => {
        const c = lab();
        // The average round trip of 20 pings from node 1 to node 3 on the lab network, in ms.
        // Every 70 ms, not a divisor of the filter's 200 ms: pings sent in step with its
        // releases would all wait the same, anything from 0 to 200 ms (20 and 157 ms seen in CI).
        const rtt = async () => Number((await c.node(1).succeed(
            "sudo ping -q -c 20 -i 0.07 -w 15 -W 3 cluster-node-3 | sed -n 's|^rtt [^=]*= [0-9.]*/\\([0-9.]*\\)/.*|\\1|p'")).trim());
        const before = await rtt();
        c.delaySends(3, 200);
        const during = await rtt();
        expect(await srunOnAll(c, 180)).toEqual(ALL);
        await c.heal();
        const after = await rtt();
        console.log(`node 1 -> node 3, average round trip: ${before} ms, ${during} ms with the delay, ${after} ms healed`);
        expect(during, "the delay shows in the round trip").toBeGreaterThan(before + 40);
        expect(after, "healed, no delay left").toBeLessThan(before + 40);
    }, 300_000);

    it("netem's impairments from the hypervisor, per pair (the lab's frame relay in QEMU's path between nodes 1 and 3): pings between them come back late, out of order, duplicated and some lost to corruption, node 2's are untouched, srun -N3 completes; healed, all is plain again", async () => {
        const c = lab();
        // Replies in arrival order, the duplicates, and the average round trip, of quick pings from node `from` to node `to`.
        // Within a deadline (-w, a real-time alarm): in CI one such ping under the relay never
        // ended (node 1's journal: its sudo session opened, never closed) and the test ran out
        // its 300 s. Why ping waited is not known; the deadline ends it whatever held it.
        const pings = async (from: number, to: number) => {
            const out = await c.node(from).succeed(`sudo ping -c 60 -i 0.05 -w 20 -W 2 cluster-node-${to} || true`);
            const seqs = [...out.matchAll(/icmp_seq=(\d+)/g)].map((m) => Number(m[1]));
            return {
                out, seqs,
                duplicates: Number(/\+(\d+) duplicates/.exec(out)?.[1] ?? 0),
                lost: Number(/([0-9.]+)% packet loss/.exec(out)?.[1] ?? 100),
                rtt: Number(/= [0-9.]+\/([0-9.]+)\//.exec(out)?.[1] ?? 0),
            };
        };
        const before = await pings(1, 3);
        await c.degradeLink([3], [1], { delayMs: 100, jitterMs: 80, duplicatePct: 20, reorderPct: 25, corruptPct: 10 });
        const between = await pings(1, 3);
        const aside = await pings(2, 3);
        const outOfOrder = between.seqs.some((seq, i) => i > 0 && seq < between.seqs[i - 1]);
        console.log(`node 1 -> node 3: ${before.rtt} ms before, ${between.rtt} ms with the relay (${between.duplicates} duplicates, `
            + `${between.lost}% lost, out of order: ${outOfOrder}); node 2 -> node 3 meanwhile ${aside.rtt} ms`);
        expect(between.rtt, "the delay shows between nodes 1 and 3").toBeGreaterThan(before.rtt + 60);
        expect(between.duplicates, between.out).toBeGreaterThan(0);
        expect(outOfOrder, `replies in arrival order: ${between.seqs.join(",")}`).toBe(true);
        expect(between.lost, "frames with a flipped bit are dropped by the receiver").toBeGreaterThan(0);
        expect(aside.rtt, "node 2 to node 3 is not impaired").toBeLessThan(before.rtt + 40);
        expect(aside.duplicates).toBe(0);
        expect(await srunOnAll(c, 180)).toEqual(ALL);
        await c.heal();
        const after = await pings(1, 3);
        expect(after.duplicates).toBe(0);
        expect(after.rtt, "healed, no delay left").toBeLessThan(before.rtt + 40);
    }, 300_000);
});
