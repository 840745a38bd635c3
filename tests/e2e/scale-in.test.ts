// Scaling in 4 -> 3: node 4 is deleted and nothing replaced. Then make checkpoint-rm removes
// the checkpoint 'ready' from every node.
import { describe, expect, it } from "vitest";
import { configSet, e2e, expectChanges, expectOk, inHost, lastUpdateChanges, prefixOf, run, script, virsh } from "./context";

describe("scale in 4 -> 3", () => {
    it("pulumi up back to 3 nodes", async () => {
        await configSet(e2e.stack, "nodeCount", "3");
        expectOk(await run(inHost(["pulumi", "up", "--stack", e2e.stack, "--yes", "--skip-preview"]), { log: "scale-in.log" }), "pulumi up");
    }, 1_200_000);

    it("scale in: the update deleted node 4 and replaced nothing", async () => {
        expectChanges(await lastUpdateChanges(e2e.stack), "delete");
    });

    it("node 4's domain is gone", async () => {
        const names = (await virsh("list", "--all", "--name")).stdout.split("\n").map((l) => l.trim());
        expect(names).not.toContain(`${prefixOf(e2e.stack)}-node-4`);
    });

    it("make checkpoint-rm NAME=ready removes it from every node", async () => {
        expectOk(await run(inHost(["make", "-s", "checkpoint-rm", `STACK=${e2e.stack}`, "NAME=ready"])), "make checkpoint-rm");
        const r = await run(inHost([script("lab.sh"), "--stack", e2e.stack, "checkpoint", "list"]));
        expect(r.output).toContain("has no checkpoints");
    }, 300_000);
});
