// pulumi refresh, five times in a row, as a user runs it: none fails (seeds are plain volumes,
// nothing reads an ISO back). e2e.sh runs preview.test.ts after it.
import { describe, it } from "vitest";
import { e2e, expectOk, inHost, run } from "./context";

const REFRESHES = 5;

describe(`${REFRESHES} refreshes in a row`, () => {
    it(`${REFRESHES} pulumi refresh in a row, none failing`, async () => {
        for (let i = 1; i <= REFRESHES; i++) {
            expectOk(await run(inHost(["pulumi", "refresh", "--stack", e2e.stack, "--yes", "--skip-preview"]), { log: `refresh-${i}.log` }), `refresh ${i}`);
        }
    }, 1_800_000);
});
