// JUnit XML of one `make test` run, for CI systems that show test reports: the unit tests
// (vitest's JSON report) and the end-to-end checks (the e2e's results file, one suite per
// phase). scripts/test.sh runs it when JUNIT_XML names the file to write.
// Usage: junit.ts UNIT_JSON E2E_RESULTS (either may be missing); the XML goes to stdout.
import * as fs from "node:fs";
import * as path from "node:path";
import Mustache from "mustache";

export type Outcome = "passed" | "failed" | "skipped";
export interface Case { classname: string; name: string; seconds: number; outcome: Outcome; detail?: string }
export interface Suite { name: string; cases: Case[] }

interface VitestReport {
    testResults?: {
        name: string;
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

if (require.main === module) {
    const [unitJson, e2eResults] = process.argv.slice(2);
    const read = (f?: string) => (f && fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined);
    const unit = read(unitJson);
    const e2e = read(e2eResults);
    const root = path.resolve(__dirname, "..");
    process.stdout.write(junitXml([...(unit ? unitSuites(JSON.parse(unit), root) : []), ...(e2e ? e2eSuites(e2e) : [])]));
}
