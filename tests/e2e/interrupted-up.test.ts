// Before the test API's own stack comes up (tests/cluster/own-stack.test.ts), an up of that
// very stack, with the same settings (tests/cluster/own-stack.settings.ts), is interrupted:
// the pulumi CLI killed with SIGKILL 10 s into node 1's membership step, as a crashed or
// killed run would be. It leaves the stack locked, with pending operations; the own stack's
// LabCluster.up must clear both as make up does (lab/recover.ts) and converge.
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { spawnCollect } from "../../components/exec/spawn";
import { lockDir } from "../../lab/recover";
import { stackWithSettings } from "../../testing/lab-cluster";
import { ownStackOptions } from "../cluster/own-stack.settings";
import { eventually, inHost, run, workFile } from "./context";

const opts = ownStackOptions();

describe.runIf(process.env.E2E_OWN_STACK)("an up of the test API's own stack, interrupted", () => {
    it("pulumi up killed with SIGKILL during node 1's membership left the stack locked, with pending operations", async () => {
        const stack = await stackWithSettings(opts);
        let reached = false;
        const up = spawnCollect(inHost(["pulumi", "up", "--stack", opts.stack, "--yes", "--skip-preview"]),
            { onLine: (l) => { if (l.includes("node-1-membership creating")) reached = true; } });
        expect(await eventually(900, () => reached, 2000), "pulumi up never reached node-1-membership creating").toBe(true);
        await new Promise((r) => setTimeout(r, 10_000));
        const pid = (await run(["pgrep", "-o", "-f", `pulumi up --stack ${opts.stack} --yes`])).stdout.trim();
        expect(pid, "the pulumi CLI's pid").toMatch(/^\d+$/);
        process.kill(Number(pid), "SIGKILL");
        const killed = (await up).output;
        fs.writeFileSync(workFile("own-stack-killed.log"), killed);
        expect(killed).not.toMatch(/^Resources:/m);
        const locks = fs.readdirSync(lockDir(opts.stack) ?? "/nonexistent").filter((f) => f.endsWith(".json"));
        expect(locks, "the dead run's lock").toHaveLength(1);
        const pending = (await stack.exportStack()).deployment?.pending_operations ?? [];
        expect(pending.length, "pending operations in the state").toBeGreaterThan(0);
    }, 1_200_000);
});
