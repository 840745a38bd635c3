// Before the test API's own stack comes up (tests/cluster/own-stack.test.ts), an up of that
// very stack, with the same settings (tests/cluster/own-stack.settings.ts), is interrupted:
// the pulumi CLI and its plugins killed with SIGKILL (its process group) 10 s into node 1's
// boot step, as a crashed or killed run would be. It leaves the stack locked, with pending operations; the own stack's
// LabCluster.up must clear both as make up does (lab/recover.ts) and converge.
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { lockDir } from "../../lab/recover";
import { stackWithSettings } from "../../testing/lab-cluster";
import { ownStackOptions } from "../cluster/own-stack.settings";
import { killedUp } from "./context";

const opts = ownStackOptions();

describe.runIf(process.env.E2E_OWN_STACK)("an up of the test API's own stack, interrupted", () => {
    it("pulumi up killed with SIGKILL while node 1 boots left the stack locked, with pending operations", async () => {
        const stack = await stackWithSettings(opts);
        const killed = await killedUp(opts.stack, "node-1-boot", 10, "own-stack-killed.log");
        expect(killed).not.toMatch(/^Resources:/m);
        const locks = fs.readdirSync(lockDir(opts.stack) ?? "/nonexistent").filter((f) => f.endsWith(".json"));
        expect(locks, "the dead run's lock").toHaveLength(1);
        const pending = (await stack.exportStack()).deployment?.pending_operations ?? [];
        expect(pending.length, "pending operations in the state").toBeGreaterThan(0);
    }, 1_200_000);
});
