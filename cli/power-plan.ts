// Whole-cluster stop and start (make stop / make start): what to ask of each node's domain,
// from the states libvirt reports, and what lab status says of a stack whose every node is
// stopped. Pure: cli/power.ts runs it.

/** libvirt's domain state for a domain that is defined and not running (virsh domstate). */
export const SHUT_OFF = "shut off";

export type StopStep = "shutdown" | "resume-then-shutdown" | "none";

/** Stop: a clean halt (ACPI) of what runs; a paused domain is resumed first, as it cannot act on ACPI while paused. */
export function stopStep(state: string): StopStep {
    if (state === "running") return "shutdown";
    if (state === "paused") return "resume-then-shutdown";
    return "none";
}

/** Start: only a node that is shut off (or crashed) is started; a running one is left as it is. */
export function needsStart(state: string): boolean {
    return state === SHUT_OFF || state === "crashed";
}

/** True when the stack has nodes and every one of them is shut off: the stack is stopped. */
export function isStopped(states: string[]): boolean {
    return states.length > 0 && states.every((s) => s === SHUT_OFF);
}

/** What lab status adds when the whole stack is stopped. */
export function stoppedLine(stack: string): string {
    return `stack '${stack}' is stopped: every node is shut off, its disk kept (make start STACK=${stack}, or make up, starts it)`;
}

/** The nodes still not halted when the wait ends, named, with what to do about them. */
export function notHaltedMessage(names: string[], seconds: number): string {
    return `${names.join(", ")} did not halt within ${seconds} s of the shutdown request; `
        + "scripts/lab.sh crash N powers a node off at once (as a pulled plug)";
}
