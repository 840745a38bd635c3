// The cluster our own e2e's API tests run on: the e2e's running stack when it passes one
// (CLUSTEROS_LAB_TEST_STACK, tests/e2e/lib.sh api_checks), else a 3-node stack of their own
// from the ci stack's settings (`make cluster-test TESTS=tests/cluster/checks.test.ts`).
import { expect, it } from "vitest";
import { SHARED_STACK_ENV, useLabCluster } from "clusteros-lab/testing";
import type { LabCluster } from "clusteros-lab/testing";
import { loadStack } from "../../cli/stack";
import { AGENT_SOURCE } from "../e2e/new-stack";

const OWN_NODES = 3;

export function e2eCluster(): () => LabCluster {
    // The e2e's node agent, as its stacks have it (tests/e2e/new-stack.ts).
    return useLabCluster({ stack: "e2e-api", from: "ci", config: { nodeCount: OWN_NODES, nodeAgentSource: AGENT_SOURCE } });
}

/** How many nodes the tests will see, known when vitest collects them (tests per node). */
export function nodeCount(): number {
    const shared = process.env[SHARED_STACK_ENV];
    return shared ? loadStack(shared).nodes.length : OWN_NODES;
}

/** 1..n */
export function numbers(n: number): number[] {
    return Array.from({ length: n }, (_, i) => i + 1);
}

/** A shell command that pings each of hosts twice over, naming the first it cannot reach. Each
 * ping is cut at 10 s, so one that hangs (as one did in CI's fault tests) cannot outlast its wait. */
export function pingsAll(hosts: string[]): string {
    return hosts.map((h) => `{ timeout 10 ping -c 2 -W 3 ${h} >/dev/null || { echo "cannot ping ${h}"; exit 1; }; }`).join(" && ") || "true";
}

/** The wg0 names of nodes in `of` other than n. */
export function meshNamesBut(n: number, of: number[]): string[] {
    return of.filter((m) => m !== n).map((m) => `cluster-node-${m}-wg`);
}

/** SLURM across the cluster: every node idle, reached at its WireGuard address over wg0, and a job on all. */
export function slurmTests(lab: () => LabCluster, count: number): void {
    const all = numbers(count);
    it(`sinfo on the controller shows ${count} nodes idle`, async () => {
        await lab().node(1).waitUntilSucceeds(`[ "$(sinfo -h -N -o %t | sort | uniq -c | awk '{ print $1 " " $2 }')" = "${count} idle" ]`, 180);
    });

    it.each(all)("node %i: SLURM reaches it at its WireGuard address, over wg0", async (n) => {
        const controller = lab().node(1), node = lab().node(n);
        expect(await controller.succeed(`scontrol show node cluster-node-${n}`)).toMatch(new RegExp(`NodeAddr=${node.wireguardIp.replaceAll(".", "\\.")} `));
        if (n !== 1) expect(await controller.succeed(`ip route get ${node.wireguardIp}`)).toContain(" dev wg0 ");
    });

    it(`srun -N${count} hostname returns ${count} distinct hostnames`, async () => {
        const out = await lab().node(1).succeed(`timeout 120 srun -N${count} hostname | sort -u`);
        expect(out.trim().split("\n")).toEqual(all.map((n) => `cluster-node-${n}`));
    });
}
