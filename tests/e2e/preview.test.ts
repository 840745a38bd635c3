// After make up, pulumi preview (where the daemon runs) finds nothing to change.
import { describe, it } from "vitest";
import { e2e, expectOk, inHost, run } from "./context";

describe("preview --expect-no-changes", () => {
    it("pulumi preview after up shows no changes", async () => {
        expectOk(await run(inHost(["pulumi", "preview", "--stack", e2e.stack, "--expect-no-changes"]), { log: "preview.log" }), "pulumi preview");
    }, 600_000);
});
