// One QMP command to a running domain's QEMU, through `virsh qemu-monitor-command` (libvirt
// marks the domain tainted in its log): its answer's `return`, or a CliError with QEMU's reason.
import { CliError } from "./stack";
import type { Virsh } from "./virsh";

/** The command's answer. */
export function qmp<T>(virsh: Virsh, domain: string, command: object): T {
    const r = virsh("qemu-monitor-command", domain, JSON.stringify(command));
    const what = `${domain}: QMP ${(command as { execute: string }).execute}`;
    if (!r.ok) throw new CliError(`${what}: ${r.err}`);
    const answer = JSON.parse(r.out) as { return?: T; error?: { desc: string } };
    if (answer.error) throw new CliError(`${what}: ${answer.error.desc}`);
    return answer.return as T;
}

/** Whether the domain has a QEMU to ask: running, or paused (by someone, or by QEMU itself). */
export function qemuRuns(virsh: Virsh, domain: string): boolean {
    return ["running", "paused"].includes(virsh("domstate", domain).out.trim());
}
