// Scaling in 4 -> 3 across hosts: node 4 goes from the second host, nothing is replaced.
import { describe, expect, it } from "vitest";
import { configSet, e2e, expectChanges, expectOk, inHost, lastUpdateChanges, pulumi, run, script } from "./context";
import { domainState, h2 } from "./multihost";

describe("scale in 4 -> 3 across hosts", () => {
    it("make up back to 3 nodes on 2 hosts deletes node 4 and replaces nothing", async () => {
        await configSet(e2e.stack, "nodeCount", "3");
        expectOk(await pulumi("config", "rm", "--stack", e2e.stack, "--path", `hosts.${h2.name}.nodes[1]`), "pulumi config rm");
        expectOk(await run(inHost([script("up.sh"), e2e.stack]), { log: "scale-in.log" }), "scripts/up.sh");
        expectChanges(await lastUpdateChanges(e2e.stack), "delete");
    }, 1_800_000);

    it(`node 4's domain is gone from host ${h2.name}`, async () => {
        expect(await domainState(h2.uri, 4)).toBe("");
    });
});
