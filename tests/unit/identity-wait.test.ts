// The wait every node step starts with (cloud-init/identity-wait.sh): it goes on once
// cloud-init's init stage has ended without errors, while the config and final stages may
// still run, and fails naming the stage when it had errors or did not end in time. Run in
// bash on status.json files laid out as cloud-init writes them.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { nodeStep, template } from "../../components/plan/templates";

const FIXTURES = path.join(__dirname, "fixtures", "cloud-init-status");

function wait(status: string, seconds = 1) {
    const script = `${template("identity-wait.sh")}\nsay() { echo "[node] $*"; }\nwait_for_identity ${seconds}\necho identity-ready`;
    const r = spawnSync("bash", ["-euo", "pipefail", "-c", script], {
        encoding: "utf8", env: { ...process.env, CLOUD_INIT_STATUS: path.join(FIXTURES, status) },
    });
    return { code: r.status, out: r.stdout + r.stderr };
}

describe("wait_for_identity", () => {
    it("goes on when the init stage has ended without errors, the config stage still running", () => {
        const r = wait("init-done.json");
        expect(r.code).toBe(0);
        expect(r.out).toContain("identity-ready");
    });

    it("fails, printing the status, when the init stage had errors", () => {
        const r = wait("init-failed.json");
        expect(r.code).toBe(1);
        expect(r.out).toContain("cloud-init's init stage failed");
        expect(r.out).toContain("OSError('bad path')");
        expect(r.out).not.toContain("identity-ready");
    });

    it("keeps waiting while the init stage runs (an earlier stage's end does not count), then gives up", () => {
        const r = wait("init-running.json", 1);
        expect(r.code).toBe(1);
        expect(r.out).toContain("cloud-init's init stage has not ended after 1 s");
    });

    it("keeps waiting while cloud-init has written no status yet", () => {
        const r = wait("absent.json", 1);
        expect(r.code).toBe(1);
        expect(r.out).toContain("has not ended after 1 s");
    });

    it("comes first in the steps that call it", () => {
        for (const step of ["membership/apply.sh", "agent/wait-ready.sh"]) {
            const script = nodeStep(step);
            expect(script.indexOf("wait_for_identity() {")).toBeGreaterThanOrEqual(0);
            expect(script.indexOf("wait_for_identity() {")).toBeLessThan(script.indexOf("wait_for_identity 9") >= 0
                ? script.indexOf("wait_for_identity 9") : script.indexOf('wait_for_identity "$READY_TIMEOUT"'));
        }
    });
});
