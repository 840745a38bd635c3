// The test API's own lifecycle, the way a user's test file runs it: useLabCluster brings a
// stack of its own up through the Automation API, the tests run, and after the last one the
// stack is destroyed and removed (tests/e2e/lib.sh own_stack_checks then checks that nothing
// of it is left). Settings: the ci stack's, one node, on ranges the e2e found free.
import { describe, expect, it } from "vitest";
import { useLabCluster } from "clusteros-lab/testing";

const env = process.env;
const lab = useLabCluster({
    stack: env.E2E_OWN_STACK ?? "own-stack",
    from: "ci",
    config: {
        nodeCount: 1,
        ...(env.E2E_OWN_NODE_CIDR ? { nodeCidr: env.E2E_OWN_NODE_CIDR } : {}),
        ...(env.E2E_OWN_WG_CIDR ? { wireguardCidr: env.E2E_OWN_WG_CIDR } : {}),
        // As the e2e's other stacks (tests/e2e/lib.sh new_stack): kvm on a machine with KVM.
        ...(env.E2E_DOMAIN_TYPE ? { domainType: env.E2E_DOMAIN_TYPE } : {}),
    },
});

describe("a stack of the test's own", () => {
    it("is up and healthy by lab status's definition when the first test runs", async () => {
        const rows = await lab().status();
        expect(rows.map((r) => [r.node, r.healthy, r.problems])).toEqual([["cluster-node-1", true, []]]);
    });

    it("runs commands on its node and a SLURM job", async () => {
        const node = lab().node(1);
        expect((await node.succeed("hostname")).trim()).toBe("cluster-node-1");
        await node.waitForUnit("slurmd");
        expect((await node.succeed("srun -N1 hostname")).trim()).toBe("cluster-node-1");
    });
});
