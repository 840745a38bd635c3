// Scaling out 3 -> 4 with the pulumi CLI and its plugins killed (SIGKILL to its process group)
// while node 4 boots (its boot step waits for its SSH), then one make up: it clears the dead run's lock and converges, creating
// and neither replacing nor deleting, without Packer. Then restoring the 3-node checkpoint
// 'ready' into 4 nodes is refused and touches nothing.
import { describe, expect, it } from "vitest";
import { configSet, e2e, expectChanges, expectOk, inHost, killedUp, lastUpdateChanges, prefixOf, run, script, virsh } from "./context";

const upArgs = () => ["pulumi", "up", "--stack", e2e.stack, "--yes", "--skip-preview"];
const domainIds = async (count: number) =>
    Promise.all(Array.from({ length: count }, async (_, i) => (await virsh("domid", `${prefixOf(e2e.stack)}-node-${i + 1}`)).stdout.trim()));

describe("scale out 3 -> 4, kill -9 while the new node boots", () => {
    let killedLog = "";

    it("pulumi up killed with SIGKILL 20 s into node 4's boot step did not finish", async () => {
        await configSet(e2e.stack, "nodeCount", "4");
        killedLog = await killedUp(e2e.stack, "node-4-boot", 20, "scale-out-killed.log");
        expect(killedLog).not.toMatch(/^Resources:/m);
    }, 1_200_000);

    it("after the kill, one make up converges to 4 healthy nodes, clearing the dead run's lock", async () => {
        const r = await run(inHost([script("up.sh"), e2e.stack]), { log: "scale-out.log" });
        expectOk(r, "scripts/up.sh");
        expect(r.output).toContain("which no longer runs (an interrupted up): clearing its lock");
        expect(killedLog + r.output, "scale out runs no Packer").not.toContain("packer build");
    }, 1_800_000);

    it("scale out: the update created nodes and replaced and deleted nothing", async () => {
        expectChanges(await lastUpdateChanges(e2e.stack), "create");
    });

    it("a plain pulumi up afterwards has nothing left to do (no pending operations)", async () => {
        expectOk(await run(inHost([...upArgs(), "--expect-no-changes"]), { log: "after-kill.log" }), "pulumi up --expect-no-changes");
    }, 600_000);

    it("restoring the 3-node checkpoint 'ready' into 4 nodes is refused, naming why, and changes nothing", async () => {
        const before = await domainIds(4);
        const r = await run(inHost([script("lab.sh"), "--stack", e2e.stack, "checkpoint", "restore", "ready"]));
        expect(r.code, "the restore is refused").not.toBe(0);
        expect(r.output).toMatch(/node-4 has no snapshot .ready./);
        expect(r.output).toContain("the checkpoint has 3 nodes, the cluster now 4");
        expect(await domainIds(4), "the same domain ids").toEqual(before);
    }, 300_000);
});
