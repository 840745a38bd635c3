// The test API's own lifecycle, the way a user's test file runs it: useLabCluster brings a
// stack of its own up through the Automation API, the tests run, and after the last one the
// stack is destroyed and removed (tests/e2e/lib.sh own_stack_checks then checks that nothing
// of it is left). Settings: own-stack.settings.ts. In the e2e an up of this same stack was
// interrupted first (tests/e2e/interrupted-up.test.ts, E2E_OWN_INTERRUPTED): LabCluster.up
// must recover it as make up does.
import { describe, expect, it } from "vitest";
import { useLabCluster } from "clusteros-lab/testing";
import { ownStackOptions } from "./own-stack.settings";

let printed = "";
const lab = useLabCluster({
    ...ownStackOptions(),
    onOutput: (text) => {
        printed += text;
        process.stderr.write(text);
    },
});

describe("a stack of the test's own", () => {
    it("is up and healthy by lab status's definition when the first test runs", async () => {
        const rows = await lab().status();
        expect(rows.map((r) => [r.node, r.healthy, r.problems])).toEqual([["cluster-node-1", true, []]]);
    });

    it.runIf(process.env.E2E_OWN_INTERRUPTED)("its up first cleared what the interrupted up left: the dead run's lock, its pending operations", () => {
        expect(printed).toContain("which no longer runs (an interrupted up): clearing its lock");
        expect(printed).toContain("dropping the pending operations an interrupted run left from the state");
    });

    it("runs commands on its node and a SLURM job", async () => {
        const node = lab().node(1);
        expect((await node.succeed("hostname")).trim()).toBe("cluster-node-1");
        await node.waitForUnit("slurmd");
        expect((await node.succeed("srun -N1 hostname")).trim()).toBe("cluster-node-1");
    });
});
