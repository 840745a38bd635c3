// virsh for the CLI: one call, the same call on every node at once, and scripts run in a
// guest through the QEMU guest agent. Each node's calls go to its own host's libvirt URI
// (hostOf in cli/stack.ts decides which).
import { spawnSync } from "node:child_process";
import { spawnCollect } from "../components/exec/spawn";
import { CliError, HostInfo, hostOf, MAIN_HOST, NodeInfo, StackInfo } from "./stack";

export interface Result { ok: boolean; out: string; err: string }
export type Virsh = (...args: string[]) => Result;

const clean = (err: string) => err.trim().replace(/^error: /gm, "");

/** A libvirt host whose daemon does not answer; `problem` names it and its URI in one line. */
export class HostUnreachable extends CliError {
    constructor(readonly host: HostInfo, readonly problem: string) {
        super(host.name === MAIN_HOST
            ? `${problem}: scripts/libvirtd.sh ensure says why and starts the lab's own daemon in namespace mode`
                + " (host mode uses the system's libvirt service)"
            : problem);
    }
}

/** Why virsh could not reach the daemon, from how it ended; undefined when it did reach it. */
function unreachableReason(r: { error?: Error; status: number | null; stderr?: string }): string | undefined {
    if (r.error) return r.error.message;
    const err = clean(r.stderr ?? "");
    if (r.status !== 0 && /failed to connect|no such file/i.test(err)) return err.split("\n").join("; ");
    return undefined;
}

/** virsh against one host; throws HostUnreachable when its daemon does not answer. */
export function virshAt(host: HostInfo, program = "virsh"): Virsh {
    return (...args) => {
        const r = spawnSync(program, ["-q", "-c", host.libvirtUri, ...args], { encoding: "utf8" });
        const reason = unreachableReason(r);
        if (reason !== undefined) throw new HostUnreachable(host, `host ${host.name} does not answer at ${host.libvirtUri} (${reason})`);
        return { ok: r.status === 0, out: (r.stdout ?? "").trim(), err: clean(r.stderr ?? "") };
    };
}

/** virsh against the host a node lives on. */
export function virshFor(info: StackInfo, node: NodeInfo): Virsh {
    return virshAt(hostOf(info, node));
}

export function must(virsh: Virsh, what: string, ...args: string[]): string {
    const r = virsh(...args);
    if (!r.ok) throw new CliError(`${what}: ${r.err}`);
    return r.out;
}

async function virshAsync(host: HostInfo, args: string[]): Promise<Result> {
    const r = await spawnCollect(["virsh", "-q", "-c", host.libvirtUri, ...args]);
    return { ok: r.code === 0, out: r.stdout.trim(), err: clean(r.stderr) };
}

/** virsh on every node at once (reverts, clocks: each waits on its own guest). */
export function onEveryNode(info: StackInfo, args: (domain: string) => string[]): Promise<(Result & { domain: string })[]> {
    return Promise.all(info.nodes.map(async (n) => ({ domain: n.domain, ...await virshAsync(hostOf(info, n), args(n.domain)) })));
}

/**
 * Runs a script as root through the QEMU guest agent (guest-exec), which answers at once
 * after a resume, where a new SSH session costs seconds of guest CPU under TCG.
 */
export async function agentRun(info: StackInfo, node: NodeInfo, script: string, timeoutSeconds = 60): Promise<Result> {
    const agent = (command: object) => virshAsync(hostOf(info, node), ["qemu-agent-command", node.domain, JSON.stringify(command)]);
    const started = await agent({
        execute: "guest-exec",
        arguments: { path: "/bin/bash", arg: ["-s"], "input-data": Buffer.from(script).toString("base64"), "capture-output": true },
    });
    if (!started.ok) return started;
    const pid = JSON.parse(started.out).return.pid;
    for (const deadline = Date.now() + timeoutSeconds * 1000; Date.now() < deadline;) {
        const polled = await agent({ execute: "guest-exec-status", arguments: { pid } });
        if (!polled.ok) return polled;
        const status = JSON.parse(polled.out).return;
        if (status.exited) {
            const text = (b64?: string) => Buffer.from(b64 ?? "", "base64").toString("utf8").trim();
            return { ok: status.exitcode === 0, out: text(status["out-data"]), err: text(status["err-data"]) };
        }
        await new Promise((r) => setTimeout(r, 200));
    }
    return { ok: false, out: "", err: `still running after ${timeoutSeconds} s` };
}
