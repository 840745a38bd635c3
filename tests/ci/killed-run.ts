// CI's test of a killed run (issue: nothing left behind). `kill STATE`: starts `make e2e` (the
// end-to-end half of `make test`: the unit tests before it leave nothing to sweep, and cost
// CI a minute and a half here) in a process group of its own, waits until a node of its
// end-to-end test runs, kills the whole group with SIGKILL (no trap runs), and writes to
// STATE what that left on the machine.
// `check STATE`, after the next `make test` (which removes what killed runs left, before it
// tests: lab/sweep.ts): none of it may still be there. Each prints one line per check,
// "PASS: ..." or "FAIL: ...", which .ci/run adds to the summary.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../components/plan/paths";
import { added, describe, remaining, Snapshot, snapshot } from "./leftovers";

/** A node of the killed run's end-to-end stack is a QEMU process named after it. */
const E2E_NODE = /guest=clusteros-lab-e2e-\d+-\d+-node-\d+/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const report = (ok: boolean, what: string) => console.log(`${ok ? "PASS" : "FAIL"}: ${what}`);

function nodeRuns(): boolean {
    for (const pid of fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
        try {
            if (E2E_NODE.test(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8"))) return true;
        } catch { /* ended while read */ }
    }
    return false;
}

async function kill(state: string, waitSeconds: number): Promise<void> {
    const before = snapshot();
    const log = `${state}.log`;
    const out = fs.openSync(log, "w");
    const run = spawn("make", ["e2e"], { cwd: PROJECT_ROOT, detached: true, stdio: ["ignore", out, out] });
    const ended = new Promise<void>((r) => run.on("exit", () => r()));
    let exited = false;
    void ended.then(() => { exited = true; });
    const deadline = Date.now() + waitSeconds * 1000;
    while (!exited && !nodeRuns() && Date.now() < deadline) await sleep(2000);
    const booting = !exited && nodeRuns();
    if (!exited) process.kill(-run.pid!, "SIGKILL");
    await ended;
    // What the killed processes' own children do on their own ends first (a shared SSH
    // connection closes 10 s after its last command).
    await sleep(15_000);
    const left = added(before, snapshot());
    fs.writeFileSync(state, JSON.stringify(left, null, 2));
    const tail = fs.readFileSync(log, "utf8").split("\n").slice(-15).join("\n");
    report(booting && (left.processes ?? []).length > 0,
        booting ? `make e2e killed with SIGKILL while a node of its e2e ran, leaving ${describe(left)}`
            : `make e2e was to be killed while a node of its e2e ran, but ${exited ? "it ended first" : `none ran within ${waitSeconds} s`}:\n${tail}`);
}

function check(state: string): void {
    const left = JSON.parse(fs.readFileSync(state, "utf8")) as Snapshot;
    const still = remaining(left, snapshot());
    report(Object.keys(still).length === 0, Object.keys(still).length === 0
        ? "after the next make test, nothing the killed one left is there (its daemon, namespaces, domains, disks, stacks, seeds, scratch)"
        : `after the next make test, the killed one's leftovers are still there: ${describe(still)}`);
}

if (require.main === module) {
    const [verb, state, wait] = process.argv.slice(2);
    if (verb === "kill" && state) void kill(path.resolve(state), Number(wait ?? 1800));
    else if (verb === "check" && state) check(path.resolve(state));
    else {
        console.error("usage: killed-run.ts kill STATE [WAIT_SECONDS] | check STATE");
        process.exit(2);
    }
}
