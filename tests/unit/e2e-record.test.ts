// How the e2e counts its vitest files (tests/e2e/lib.sh record_vitest): each test that ran is
// one recorded check of the current phase, a skipped one a SKIP saying why, and a run that
// failed without a failed test (a hook, a file that did not load) is still a FAIL.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");

/** The lines record_vitest writes for a vitest JSON report and exit code, and its own status. */
function recorded(report: object, exitCode: number): { lines: string[]; status: number } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-record-"));
    const json = path.join(dir, "report.json"), results = path.join(dir, "e2e.txt");
    fs.writeFileSync(json, JSON.stringify(report));
    let status = 0;
    try {
        execFileSync("bash", ["-c", `set -u; . tests/e2e/lib.sh; phase "scale in"; record_vitest "$1" ${exitCode} "tests/e2e/x.test.ts"`, "_", json],
            { cwd: ROOT, env: { ...process.env, LAB_ROOT: ROOT, E2E_RESULTS: results }, stdio: "ignore" });
    } catch (e) {
        status = (e as { status: number }).status;
    }
    const lines = fs.existsSync(results) ? fs.readFileSync(results, "utf8").trim().split("\n").filter(Boolean) : [];
    fs.rmSync(dir, { recursive: true });
    return { lines, status };
}

describe("record_vitest", () => {
    it("records each test as PASS, FAIL or SKIP (with the reason the test gave) under the phase, with whole seconds", () => {
        const r = recorded({
            numFailedTests: 1,
            testResults: [{ status: "failed", message: "", assertionResults: [
                { title: "node 4's domain is gone", status: "passed", duration: 2500 },
                { title: "the update replaced nothing", status: "failed", duration: 10 },
                { title: "Kubernetes (k3s): all 3 nodes Ready", status: "skipped", meta: { skipReason: "K3s: the image has no K3s binary" } },
                { title: "later", status: "todo" },
            ] }],
        }, 1);
        expect(r.lines).toEqual([
            "PASS\tscale in\t2\tnode 4's domain is gone",
            "FAIL\tscale in\t0\tthe update replaced nothing",
            "SKIP\tscale in\t0\tKubernetes (k3s): all 3 nodes Ready (skipped: K3s: the image has no K3s binary)",
        ]);
        expect(r.status).not.toBe(0);
    });

    it("turns a failed run without a failed test into a FAIL naming why", () => {
        const r = recorded({
            numFailedTests: 0,
            testResults: [{ status: "failed", message: "Error: E2E_STACK is not set\n    at need", assertionResults: [
                { title: "pulumi up back to 3 nodes", status: "skipped" },
            ] }],
        }, 1);
        expect(r.lines).toEqual([
            "SKIP\tscale in\t0\tpulumi up back to 3 nodes",
            "FAIL\tscale in\t0\ttests/e2e/x.test.ts: Error: E2E_STACK is not set",
        ]);
        expect(r.status).not.toBe(0);
    });

    it("fails when vitest wrote no report", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-record-"));
        const results = path.join(dir, "e2e.txt");
        let status = 0;
        try {
            execFileSync("bash", ["-c", `set -u; . tests/e2e/lib.sh; record_vitest "${dir}/none.json" 2 "tests/e2e/x.test.ts"`],
                { cwd: ROOT, env: { ...process.env, LAB_ROOT: ROOT, E2E_RESULTS: results }, stdio: "ignore" });
        } catch (e) {
            status = (e as { status: number }).status;
        }
        expect(status).not.toBe(0);
        expect(fs.readFileSync(results, "utf8")).toBe("FAIL\tsetup\t0\tthe tests tests/e2e/x.test.ts ran (exit 2, no report)\n");
        fs.rmSync(dir, { recursive: true });
    });

    it("passes a clean run", () => {
        const r = recorded({ numFailedTests: 0, testResults: [{ status: "passed", assertionResults: [{ title: "ok", status: "passed", duration: 1 }] }] }, 0);
        expect(r).toEqual({ lines: ["PASS\tscale in\t0\tok"], status: 0 });
    });
});
