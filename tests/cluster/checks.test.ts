// What a healthy ClusterOS cluster is, node by node, as our e2e checks it after every change
// (up, scale out, scale in, drift repair): identity, first boot, the node agent, the
// WireGuard mesh, munge, SLURM over the mesh, and every node a Ready Kubernetes node.
import { describe, expect, it } from "vitest";
import { untilDeadline } from "../../components/exec/spawn";
import { e2eCluster, meshNamesBut, nodeCount, numbers, pingsAll, slurmTests } from "./e2e-cluster";
import { distribution, Kube, skipBecause } from "./kubernetes";

const lab = e2eCluster();
const count = nodeCount();
const all = numbers(count);
const dist = distribution();

// The nodes are checked side by side, and their checks too (vitest's maxConcurrency, 5, at
// once): a check mostly waits on a guest, and the guests are separate VMs.
describe.concurrent("every node", () => all.forEach((n) => describe(`node ${n}`, () => {
    it(`node ${n}: hostname is cluster-node-${n}`, async () => {
        expect((await lab().node(n).succeed("hostname")).trim()).toBe(`cluster-node-${n}`);
    });

    // What `cloud-init status --long` reads (its Python takes seconds to start under TCG):
    // result.json is written when the last stage ends, with every stage's errors.
    it(`node ${n}: cloud-init finished without errors`, async () => {
        const result = JSON.parse(await lab().node(n).succeed("cat /run/cloud-init/result.json")) as { v1: { errors: unknown[] } };
        expect(result.v1.errors).toEqual([]);
    });

    // A seed that starts no Kubernetes needs nothing from the config and final stages: the
    // image skips them (images/common/cloud) and still reports cloud-init done.
    it(`node ${n}: cloud-init's config and final stages ran only where the seed needs them (Kubernetes' runcmd)`, async () => {
        const ran = (await lab().node(n).succeed("systemctl show -p ConditionResult --value cloud-config cloud-final")).trim().split(/\s+/);
        expect(ran).toEqual(dist === "off" ? ["no", "no"] : ["yes", "yes"]);
        expect(await lab().node(n).succeed("cat /run/cloud-init/status.json")).toMatch(/"stage": null/);
    });

    it(`node ${n}: node-agent active with its node id and cluster key`, async () => {
        const node = lab().node(n);
        await node.waitForUnit("clusteros-node-agent", 60);
        const env = await node.succeed("sudo cat /proc/$(systemctl show -p MainPID --value clusteros-node-agent)/environ | tr '\\0' '\\n'");
        expect(env).toMatch(new RegExp(`^CLUSTEROS_NODE_ID=${node.domain}$`, "m"));
        expect(env).toMatch(/^CLUSTEROS_CLUSTER_KEY=[0-9a-f]{64}$/m);
    });

    it(`node ${n} pings every other node's WireGuard address`, async () => {
        await lab().node(n).waitUntilSucceeds(pingsAll(meshNamesBut(n, all)), 60);
    });
})));

describe("the cluster", () => {
    it(`lab status: each node has ${count - 1} WireGuard peers, each with a recent handshake`, async () => {
        let wrong: string[] = [];
        await untilDeadline(Date.now() + 60_000, 5000, async () => {
            wrong = (await lab().status()).flatMap((r) => r.problems.filter((p) => /WireGuard/.test(p)).map((p) => `${r.node}: ${p}`));
            return wrong.length === 0 ? true : undefined;
        });
        expect(wrong).toEqual([]);
    });

    it.each(numbers(count).slice(1))("a munge credential made on node 1 decodes on node %i", async (n) => {
        const credential = await lab().node(1).succeed("munge -n");
        const r = await lab().node(n).exec("unmunge >/dev/null", credential);
        expect(r.code, r.output).toBe(0);
    });

    slurmTests(lab, count);
});

// A cluster without Kubernetes (config key kubernetes: off) has none of it to check.
if (dist !== "off") describe("Kubernetes", () => {
    it(`Kubernetes (${dist}): all ${count} nodes Ready`, async (ctx) => {
        const kube = new Kube(lab, dist);
        const why = await kube.missing();
        if (why) skipBecause(ctx, why);
        let nodes = "";
        const ready = await untilDeadline(Date.now() + 600_000, 5000, async () => {
            nodes = await kube.ctl("get nodes --no-headers").catch((e) => String(e));
            const rows = nodes.trim().split("\n").filter(Boolean);
            return rows.length === count && rows.every((r) => r.split(/\s+/)[1] === "Ready") ? true : undefined;
        });
        expect(ready, nodes).toBe(true);
    }, 900_000);
});
