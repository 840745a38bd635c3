// The JUnit report `JUNIT_XML=FILE make test` writes: the e2e's checks as tests/e2e/lib.sh
// records them and vitest's JSON report, turned into XML a CI system reads (scripts/junit.ts,
// as scripts/test.ts uses it), and the summary line's counts.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { junitXml, runSuites, tally } from "../../scripts/junit";

const ROOT = path.resolve(__dirname, "../..");

/** Runs `script` in bash with tests/e2e/lib.sh loaded, recording into a results file. */
function e2eResults(dir: string, script: string): string {
    const file = path.join(dir, "e2e.txt");
    execFileSync("bash", ["-c", `set -u; . tests/e2e/lib.sh; ${script}`], {
        cwd: ROOT, env: { ...process.env, LAB_ROOT: ROOT, E2E_RESULTS: file }, stdio: ["ignore", "ignore", "inherit"],
    });
    return file;
}

/** The report scripts/test.ts writes from those two files (either may be missing). */
function junit(unitJson: string, e2eFile: string): string {
    const read = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined);
    return junitXml(runSuites(read(unitJson), read(e2eFile), ROOT));
}

/** The <testcase> elements: classname, name, and what is inside. */
function cases(xml: string): { classname: string; name: string; body: string }[] {
    return [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)" time="[0-9.]+">([\s\S]*?)<\/testcase>/g)]
        .map((m) => ({ classname: m[1], name: m[2], body: m[3] }));
}

describe("the JUnit report", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "junit-"));
    const e2e = e2eResults(dir, `
        check "node 1 pings <node 2> & back" true
        phase "faults"
        check 'SLURM marks node 3 "not responding"' false || true
        record SKIP "Kubernetes: off in this stack"
        phase_end
        check "after the phase: still counted under it" true`);
    const unit = path.join(dir, "unit.json");
    fs.writeFileSync(unit, JSON.stringify({
        testResults: [{
            name: path.join(ROOT, "tests/unit/plan.test.ts"),
            assertionResults: [
                { fullName: "plan orders membership", status: "passed", duration: 12 },
                { fullName: "plan renders", status: "failed", duration: 3, failureMessages: ["expected \u001b[31m1\u001b[39m < 2"] },
                { fullName: "plan later", status: "todo", duration: null },
            ],
        }],
    }));
    const xml = junit(unit, e2e);

    it("has one case per e2e check, in a suite per phase, with escaped names", () => {
        const e2eCases = cases(xml).filter((c) => c.classname.startsWith("e2e: "));
        expect(e2eCases.map((c) => [c.classname, c.name])).toEqual([
            ["e2e: setup", "node 1 pings &lt;node 2&gt; &amp; back"],
            ["e2e: faults", "SLURM marks node 3 &quot;not responding&quot;"],
            ["e2e: faults", "Kubernetes: off in this stack"],
            ["e2e: faults", "after the phase: still counted under it"],
        ]);
        expect(e2eCases.map((c) => /<failure /.test(c.body) ? "failed" : /<skipped /.test(c.body) ? "skipped" : "passed"))
            .toEqual(["passed", "failed", "skipped", "passed"]);
        expect(xml).toMatch(/<testsuite name="e2e: faults" tests="3" failures="1" skipped="1"/);
    });

    it("has the unit tests by file, with the failure's message and no terminal control codes", () => {
        const unitCases = cases(xml).filter((c) => c.classname === "tests/unit/plan.test.ts");
        expect(unitCases.map((c) => c.name)).toEqual(["plan orders membership", "plan renders", "plan later"]);
        expect(unitCases[1].body).toContain("<failure message=\"plan renders\">expected [31m1[39m &lt; 2</failure>");
        expect(unitCases[2].body).toContain("<skipped ");
    });

    it("totals every case, and counts as the summary line does, naming each failed case", () => {
        expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="clusteros-lab" tests="7" failures="2" skipped="2" /);
        expect(tally(runSuites(fs.readFileSync(unit, "utf8"), fs.readFileSync(e2e, "utf8"), ROOT))).toEqual({
            passed: 3, failed: 2,
            failures: ["tests/unit/plan.test.ts: plan renders", 'e2e: faults: SLURM marks node 3 "not responding"'],
        });
    });

    it("writes a report of what exists when a part did not run", () => {
        const onlyUnit = junit(unit, path.join(dir, "missing.txt"));
        expect(cases(onlyUnit)).toHaveLength(3);
        expect(cases(junit(path.join(dir, "missing.json"), e2e))).toHaveLength(4);
    });
});
