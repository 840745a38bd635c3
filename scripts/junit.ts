// JUnit XML of one `make test` run, for CI systems that show test reports: the unit tests
// (vitest's JSON report) and the end-to-end checks (the e2e's results file, one suite per
// phase), and the counts of the summary line. scripts/test.ts writes it when JUNIT_XML names
// the file to write.
import * as fs from "node:fs";
import * as path from "node:path";
import Mustache from "mustache";

export type Outcome = "passed" | "failed" | "skipped";
export interface Case { classname: string; name: string; seconds: number; outcome: Outcome; detail?: string }
export interface Suite { name: string; cases: Case[] }

export interface VitestReport {
    testResults?: {
        name: string;
        status?: string;
        message?: string;
        assertionResults: { fullName: string; status: string; duration?: number | null; failureMessages?: string[] }[];
    }[];
}

/** vitest's JSON report (Jest's shape): one suite per test file. */
export function unitSuites(report: VitestReport, root: string): Suite[] {
    return (report.testResults ?? []).map((file) => {
        const name = path.relative(root, file.name);
        return {
            name,
            cases: file.assertionResults.map((a) => ({
                classname: name,
                name: a.fullName,
                seconds: (a.duration ?? 0) / 1000,
                outcome: a.status === "passed" ? "passed" : a.status === "failed" ? "failed" : "skipped",
                detail: a.failureMessages?.join("\n"),
            })),
        };
    });
}

const E2E_OUTCOME: Record<string, Outcome> = { PASS: "passed", FAIL: "failed", SKIP: "skipped" };

/** The e2e's results (tests/e2e/lib.sh record: STATUS, phase, seconds, what; tab-separated). */
export function e2eSuites(text: string): Suite[] {
    const suites = new Map<string, Case[]>();
    for (const line of text.split("\n")) {
        const [status, phase, seconds, ...what] = line.split("\t");
        if (!(status in E2E_OUTCOME) || what.length === 0) continue;
        const name = `e2e: ${phase}`;
        if (!suites.has(name)) suites.set(name, []);
        suites.get(name)!.push({ classname: name, name: what.join("\t"), seconds: Number(seconds) || 0, outcome: E2E_OUTCOME[status] });
    }
    return [...suites].map(([name, cases]) => ({ name, cases }));
}

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
// Characters XML 1.0 cannot hold at all (terminal colour codes in failure messages).
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;
const xmlEscape = (value: unknown) => String(value).replace(NOT_XML, "").replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);

function totals(cases: Case[]) {
    return {
        tests: cases.length,
        failures: cases.filter((c) => c.outcome === "failed").length,
        skipped: cases.filter((c) => c.outcome === "skipped").length,
        time: cases.reduce((t, c) => t + c.seconds, 0).toFixed(3),
    };
}

export function junitXml(suites: Suite[]): string {
    const view = {
        ...totals(suites.flatMap((s) => s.cases)),
        suites: suites.map((s) => ({
            name: s.name,
            ...totals(s.cases),
            cases: s.cases.map((c) => ({
                classname: c.classname, name: c.name, time: c.seconds.toFixed(3),
                failed: c.outcome === "failed" ? { detail: c.detail ?? "" } : false,
                skipped: c.outcome === "skipped",
            })),
        })),
    };
    return Mustache.render(fs.readFileSync(path.join(__dirname, "junit.xml.mustache"), "utf8"), view, {}, { escape: xmlEscape });
}

/** The run's suites: the unit tests' (vitest's JSON report, when there is one) and the e2e's checks (their results file). */
export function runSuites(unitJson: string | undefined, e2eResults: string | undefined, root: string): Suite[] {
    return [...(unitJson ? unitSuites(JSON.parse(unitJson) as VitestReport, root) : []), ...(e2eResults ? e2eSuites(e2eResults) : [])];
}

/** What the summary line counts (skipped cases are neither), and each failed case as "suite: case". */
export function tally(suites: Suite[]): { passed: number; failed: number; failures: string[] } {
    const cases = suites.flatMap((s) => s.cases.map((c) => ({ suite: s.name, ...c })));
    const failures = cases.filter((c) => c.outcome === "failed").map((c) => `${c.suite}: ${c.name}`);
    return { passed: cases.filter((c) => c.outcome === "passed").length, failed: failures.length, failures };
}
