// What the e2e's vitest files share: the run's stack, scratch directory and daemon, given by
// tests/e2e/e2e.sh (e2e_run in lib.sh), and how they run the user's commands. Vitest runs in
// the test's own shell (namespace mode when the daemon has a namespace of its own); inHost
// runs a command where the daemon is, as a shell on a host with a system libvirt: the lab
// detects host mode there (tests/e2e/daemon.sh's in_host, the same rule).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect } from "vitest";
import type { Row } from "../../cli/health";
import { Ran, spawnCollect, untilDeadline } from "../../components/exec/spawn";
import { projectName } from "../../components/program-dir";
import { libvirtPrefix } from "../../components/plan/names";
import { PROJECT_ROOT } from "../../components/plan/paths";
import { lastUpdateChanges as lastUpdate, projectStack } from "../../lab/stacks";

function need(name: string): string {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set: the e2e's vitest files run from tests/e2e/e2e.sh (e2e_run)`);
    return v;
}

export const e2e = {
    /** The e2e's main stack. */
    get stack(): string { return need("E2E_STACK"); },
    /** The daemon's network namespace; "" when it runs in this one. */
    get hostns(): string { return process.env.E2E_HOSTNS ?? ""; },
    /** The run's scratch directory (logs, keys); kept on failure by e2e.sh. */
    get work(): string { return need("E2E_WORK"); },
    get daemonPid(): string { return need("E2E_DAEMON_PID"); },
};

/** libvirt's names of a stack's resources start with this (components/plan/addressing.ts libvirtName). */
export const prefixOf = (stack: string) => libvirtPrefix(projectName(), stack);
export const script = (name: string) => path.join(PROJECT_ROOT, "scripts", name);
export const workFile = (name: string) => path.join(e2e.work, name);

/** argv run where the daemon is: host mode, not inherited from this process. */
export function inHost(argv: string[]): string[] {
    const clean = ["env", "-u", "CLUSTEROS_LAB_NETNS", "-u", "CLUSTEROS_LAB_MODE", ...argv];
    return e2e.hostns ? ["ip", "netns", "exec", e2e.hostns, ...clean] : clean;
}

/**
 * Runs argv (from the project's root), its output also written to the scratch file `log`
 * when given, so a failed run keeps it (e2e.sh). Without vitest's MODE=test, which make would
 * take for the lab's MODE (host|namespace).
 */
export async function run(argv: string[], opts: { log?: string; env?: Record<string, string>; input?: string } = {}): Promise<Ran> {
    const r = await spawnCollect(["env", "-u", "MODE", "bash", "-c", 'cd "$0" && exec "$@"', PROJECT_ROOT, ...argv], { env: opts.env, input: opts.input });
    if (opts.log) fs.writeFileSync(workFile(opts.log), r.output);
    return r;
}

/** The last lines of a command's output: what a failed expectation shows. */
export const tail = (r: Ran | string, lines = 30) =>
    (typeof r === "string" ? r : r.output).trim().split("\n").slice(-lines).join("\n");

/** Expects the command to have exited 0, showing its last lines if not. */
export function expectOk(r: Ran, what: string): void {
    expect(r.code, `${what} exited ${r.code}:\n${tail(r)}`).toBe(0);
}

/** pulumi with the given arguments, from the test's own shell (the state is a local file). */
export const pulumi = (...args: string[]) => run(["pulumi", ...args]);

export async function stackOutputJson<T>(stack: string, name: string): Promise<T> {
    const r = await pulumi("stack", "output", "--stack", stack, name, "--json");
    expectOk(r, `pulumi stack output ${name}`);
    return JSON.parse(r.stdout) as T;
}

export async function configGet(stack: string, key: string): Promise<string> {
    const r = await pulumi("config", "get", "--stack", stack, key);
    expectOk(r, `pulumi config get ${key}`);
    return r.stdout.trim();
}

export async function configSet(stack: string, key: string, value: string): Promise<void> {
    expectOk(await pulumi("config", "set", "--stack", stack, key, value), `pulumi config set ${key}`);
}

/** The resource changes of the stack's newest update ({ create: 2, same: 40, ... }). */
export async function lastUpdateChanges(stack: string): Promise<Record<string, number>> {
    return lastUpdate(await projectStack(stack));
}

/** The newest update created or deleted (`step`) and replaced nothing (nor deleted anything, for a create). */
export function expectChanges(changes: Record<string, number>, step: "create" | "delete"): void {
    const forbidden = step === "create" ? ["replace", "delete"] : ["replace"];
    expect(changes[step] ?? 0, JSON.stringify(changes)).toBeGreaterThan(0);
    expect(Object.fromEntries(forbidden.map((k) => [k, changes[k] ?? 0])), JSON.stringify(changes))
        .toEqual(Object.fromEntries(forbidden.map((k) => [k, 0])));
}

/** `lab status --json`'s rows of a stack, from where the daemon runs. */
export async function statusRows(stack: string): Promise<Row[]> {
    const r = await run(inHost([script("lab.sh"), "--stack", stack, "status", "--json"]));
    return (JSON.parse(r.stdout) as { nodes: Row[] }).nodes;
}

/** virsh on the e2e's daemon (its socket is reached from any namespace). */
export async function virsh(...args: string[]): Promise<Ran> {
    return spawnCollect(["virsh", "-q", "-c", "qemu:///system", ...args]);
}

/** Names of the domains, networks and pools whose names start with `prefix`, on the daemon at uri (the main one by default). */
export async function libvirtObjects(prefix: string, uri = "qemu:///system"): Promise<string[]> {
    const lists = await Promise.all(["list", "net-list", "pool-list"].map((verb) => spawnCollect(["virsh", "-q", "-c", uri, verb, "--all", "--name"])));
    return lists.flatMap((r) => r.stdout.split("\n").map((l) => l.trim())).filter((name) => name.startsWith(prefix));
}

/** Names of this project's stack's domains, networks and pools on the daemon at uri. */
export const stackObjects = (stack: string, uri?: string) => libvirtObjects(prefixOf(stack), uri);

/** Waits until check() is true, every `everyMs`; false when `seconds` pass first. */
export async function eventually(seconds: number, check: () => Promise<boolean> | boolean, everyMs = 5000): Promise<boolean> {
    return (await untilDeadline(Date.now() + seconds * 1000, everyMs, async () => ((await check()) ? true : undefined))) ?? false;
}

/** pid and every process below it, from ps: parents before children. */
function processTree(pid: number): number[] {
    const rows = spawnSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" }).stdout.trim().split("\n").map((l) => l.trim().split(/\s+/).map(Number));
    const tree = [pid];
    for (let i = 0; i < tree.length; i++) tree.push(...rows.filter(([, ppid]) => ppid === tree[i]).map(([child]) => child));
    return tree;
}

/**
 * `pulumi up` on the stack, where the daemon is, killed with SIGKILL `seconds` after it printed
 * `<marker> creating` (a resource's create under way), as a crashed or killed run would be:
 * the CLI and every process it started (its language host and providers run in process groups
 * of their own), so no orphan finishes the create or lingers. Expects the marker within 15
 * minutes; its output goes to WORK/log and is returned.
 */
export async function killedUp(stack: string, marker: string, seconds: number, log: string): Promise<string> {
    let reached = false;
    let cli = 0;
    const up = spawnCollect(inHost(["pulumi", "up", "--stack", stack, "--yes", "--skip-preview"]), {
        onStart: (pid) => { cli = pid; },
        onLine: (l) => { if (l.includes(`${marker} creating`)) reached = true; },
    });
    expect(await eventually(900, () => reached, 2000), `pulumi up never reached ${marker} creating`).toBe(true);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    expect(cli, "the pulumi CLI's pid").toBeGreaterThan(0);
    for (const pid of processTree(cli)) {
        try { process.kill(pid, "SIGKILL"); } catch { /* gone already */ }
    }
    const output = (await up).output;
    fs.writeFileSync(workFile(log), output);
    return output;
}

/** The file's permission bits, for expect(modeOf(f) & 0o077).toBe(0). */
export function modeOf(file: string): number {
    return fs.statSync(file).mode & 0o7777;
}
