// make test's runner: test.ts all|unit|e2e|kubernetes, run by scripts/test.sh once setup has
// installed the toolchain. The unit tests (vitest), then the end-to-end scripts: the main one
// (tests/e2e/e2e.sh, one host and then two) and the Kubernetes one (tests/e2e/kubernetes.sh),
// after a sweep of what a killed earlier run left (lab/sweep.ts). Ends with one summary line,
// "<passed> passed, <failed> failed", counting unit tests and end-to-end checks, just below the
// failed ones named again (CI keeps only the log's tail). JUNIT_XML=FILE also writes the run as a
// JUnit report (scripts/junit.ts) for CI systems. Above them, where the end-to-end part's CPU
// went, by phase (scripts/cpu-watch.ts).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CpuWatch } from "./cpu-watch";
import { junitXml, runSuites, Suite, tally, VitestReport } from "./junit";

const ROOT = path.resolve(__dirname, "..");
const E2E_MAIN = "tests/e2e/e2e.sh";
const E2E_KUBERNETES = "tests/e2e/kubernetes.sh";
const PARTS: Record<string, { unit: boolean; e2e: string[] }> = {
    all: { unit: true, e2e: [E2E_MAIN, E2E_KUBERNETES] },
    unit: { unit: true, e2e: [] },
    e2e: { unit: false, e2e: [E2E_MAIN, E2E_KUBERNETES] },
    kubernetes: { unit: false, e2e: [E2E_KUBERNETES] },
};

/** Runs a command in the project's root, its output on this one's; its exit status. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { cwd: ROOT, env, stdio: "inherit" });
        child.on("error", () => resolve(127));
        child.on("close", (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
    });
}

const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");

/** A suite of one failed case: a part that failed without a failed test to say so. */
const failedSuite = (name: string, what: string): Suite => ({ name, cases: [{ classname: name, name: what, seconds: 0, outcome: "failed" }] });

/** Why vitest failed when no test did: the files that did not run, from its report, or its exit status. */
function unitFailure(rc: number, report: string): string {
    const files = report ? (JSON.parse(report) as VitestReport).testResults ?? [] : [];
    const broken = files.filter((f) => f.status === "failed").map((f) => `${path.relative(ROOT, f.name)}: ${(f.message ?? "").split("\n")[0]}`);
    return broken.length > 0 ? broken.join("; ") : `the unit tests ended with exit status ${rc}${report ? "" : " and no report"}`;
}

async function main(what: string): Promise<number> {
    const parts = PARTS[what];
    if (!parts) {
        process.stderr.write(`usage: scripts/test.sh ${Object.keys(PARTS).join("|")}\n`);
        return 2;
    }
    // Its pid inside: if this run is killed, the next one's sweep removes it (lab/sweep.ts).
    const results = fs.mkdtempSync("/tmp/clusteros-test.");
    fs.writeFileSync(path.join(results, "pid"), `${process.pid}\n`);
    // Interrupted (Ctrl-C, or SIGTERM to make test's process group): the part that runs got the
    // signal too and ends by itself, cleaning up after itself; no part starts after it.
    let interrupted: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => { interrupted ??= signal; };
    process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
    try {
        if (parts.e2e.length > 0 && !interrupted && (await run(path.join(ROOT, "scripts/lab.sh"), ["sweep"])) !== 0) {
            console.log("sweep: failed; the e2e runs all the same");
        }
        const suites: Suite[] = [];
        const died: Suite[] = [];
        if (parts.unit) {
            const unitJson = path.join(results, "unit.json");
            const rc = await run("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile=${unitJson}`]);
            const report = read(unitJson);
            suites.push(...runSuites(report || undefined, undefined, ROOT));
            // A unit run that failed without a failed test (no report, a file that did not load) fails, naming why.
            if (rc !== 0 && !tally(suites).failed) died.push(failedSuite("unit", unitFailure(rc, report)));
        }
        let checks = "";
        const phases = path.join(results, "phases.tsv");
        const cpu = parts.e2e.length > 0 ? new CpuWatch(phases) : undefined;
        cpu?.start();
        for (const script of parts.e2e) {
            if (interrupted) break;
            const own = path.join(results, `run-${path.basename(script, ".sh")}.txt`);
            const rc = await run(path.join(ROOT, script), [], { ...process.env, E2E_RESULTS: own, E2E_PHASES: phases });
            const text = read(own);
            checks += text;
            // A script that died before recording its failure still fails, and says so.
            if (rc !== 0 && !/^FAIL\t/m.test(text)) {
                died.push(failedSuite("e2e: end", `${script} ended with exit status ${rc} before recording a failed check`));
            }
        }
        const cpuReport = cpu?.stop(os.cpus().length) ?? [];
        if (cpuReport.length > 0) console.log(cpuReport.join("\n"));
        suites.push(...runSuites(undefined, checks || undefined, ROOT), ...died);
        if (process.env.JUNIT_XML) {
            try {
                fs.writeFileSync(process.env.JUNIT_XML, junitXml(suites));
            } catch (e) {
                suites.push(failedSuite("junit", `the JUnit report ${process.env.JUNIT_XML} could not be written: ${String(e)}`));
            }
        }
        const { passed, failed, failures } = tally(suites);
        if (failures.length > 0) console.log(["=== failed", ...failures].join("\n"));
        console.log(`${passed} passed, ${failed} failed`);
        if (interrupted) return 128 + os.constants.signals[interrupted];
        return failed === 0 ? 0 : 1;
    } finally {
        fs.rmSync(results, { recursive: true, force: true });
    }
}

main(process.argv[2] ?? "all").then((rc) => process.exit(rc), (e: unknown) => {
    console.log(`scripts/test.ts: ${e instanceof Error ? e.message : String(e)}`);
    console.log("0 passed, 1 failed");
    process.exit(1);
});
