// One QMP command to a running domain's QEMU, through `virsh qemu-monitor-command` (libvirt
// marks the domain tainted in its log): its answer's `return`, or a CliError with QEMU's reason.
import { CliError } from "./stack";
import type { Result, Virsh } from "./virsh";

/** The command's answer; `ran` is its virsh call when the caller made it already (to look at a failure first). */
export function qmp<T>(virsh: Virsh, domain: string, command: object, ran?: Result): T {
    const r = ran ?? virsh("qemu-monitor-command", domain, JSON.stringify(command));
    const what = `${domain}: QMP ${(command as { execute: string }).execute}`;
    if (!r.ok) throw new CliError(`${what}: ${r.err}`);
    const answer = JSON.parse(r.out) as { return?: T; error?: { desc: string } };
    if (answer.error) throw new CliError(`${what}: ${answer.error.desc}`);
    return answer.return as T;
}
