// Scaling in 5 -> 3, the second host dropped from the stack (config key hosts removed): node 4
// is deleted from the main host, node 5 and everything of the stack from the second, and
// nothing is replaced. Then make checkpoint-rm removes the checkpoint 'ready' from every node.
import { describe, expect, it } from "vitest";
import { configSet, e2e, expectChanges, expectOk, inHost, lastUpdateChanges, prefixOf, pulumi, run, script, stackObjects, virsh } from "./context";
import { h2, H2_NODE } from "./multihost";

describe(`scale in ${H2_NODE} -> 3`, () => {
    it(`pulumi up back to 3 nodes on the main host alone`, async () => {
        await configSet(e2e.stack, "nodeCount", "3");
        expectOk(await pulumi("config", "rm", "--stack", e2e.stack, "hosts"), "pulumi config rm hosts");
        expectOk(await run(inHost(["pulumi", "up", "--stack", e2e.stack, "--yes", "--skip-preview"]), { log: "scale-in.log" }), "pulumi up");
    }, 1_200_000);

    it("scale in: the update deleted nodes 4 and 5 and replaced nothing", async () => {
        expectChanges(await lastUpdateChanges(e2e.stack), "delete");
    });

    it("node 4's domain is gone", async () => {
        const names = (await virsh("list", "--all", "--name")).stdout.split("\n").map((l) => l.trim());
        expect(names).not.toContain(`${prefixOf(e2e.stack)}-node-4`);
    });

    it(`nothing of the stack is left on host ${h2.name}: node ${H2_NODE}'s domain, its network and its pool are gone`, async () => {
        expect(await stackObjects(e2e.stack, h2.uri)).toEqual([]);
    });

    it("make checkpoint-rm NAME=ready removes it from every node", async () => {
        expectOk(await run(inHost(["make", "-s", "checkpoint-rm", `STACK=${e2e.stack}`, "NAME=ready"])), "make checkpoint-rm");
        const r = await run(inHost([script("lab.sh"), "--stack", e2e.stack, "checkpoint", "list"]));
        expect(r.output).toContain("has no checkpoints");
    }, 300_000);
});
