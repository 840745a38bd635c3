// With the second host's daemon stopped (tests/e2e/e2e.sh stops it before this file and
// starts it again after): lab status fails, naming the host and its URI, and still reports the
// main host's nodes.
import { describe, expect, it } from "vitest";
import { h2, labStatus, MAIN_NODES } from "./multihost";

describe(`host ${h2.name}'s daemon stopped`, () => {
    it(`lab status exits 1 naming host ${h2.name} and its URI, and still reports the main host's nodes, running`, async () => {
        const s = await labStatus();
        expect(s.code, s.output).toBe(1);
        expect(s.output).toContain(`host ${h2.name} does not answer at ${h2.uri}`);
        expect(s.rows.filter((r) => r.endsWith(" main running")), s.output).toHaveLength(MAIN_NODES.length);
    }, 300_000);
});
