// make stop / make start: every node of the stack halted cleanly with its disk kept, and
// started again (then waited on until the cluster is healthy, as make restore does).
import { CliError, StackInfo } from "./stack";
import { needsStart, notHaltedMessage, stopStep } from "./power-plan";
import { must, virshFor } from "./virsh";

const stateOf = (info: StackInfo, i: number) => must(virshFor(info, info.nodes[i]), `state of ${info.nodes[i].name}`, "domstate", info.nodes[i].domain);

/** Asks every running node to halt (ACPI), then waits until all are shut off. */
export async function stopAll(info: StackInfo, waitSeconds: number): Promise<number> {
    info.nodes.forEach((n, i) => {
        const virsh = virshFor(info, n);
        const step = stopStep(stateOf(info, i));
        if (step === "resume-then-shutdown") must(virsh, `resume ${n.name}`, "resume", n.domain);
        if (step !== "none") must(virsh, `shut ${n.name} down`, "shutdown", n.domain);
    });
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
        const running = info.nodes.filter((_, i) => stopStep(stateOf(info, i)) !== "none");
        if (running.length === 0) break;
        if (Date.now() > deadline) throw new CliError(notHaltedMessage(running.map((n) => n.name), waitSeconds));
        await new Promise((r) => setTimeout(r, 2000));
    }
    console.log(`stack '${info.stack}' stopped: ${info.nodes.length} node${info.nodes.length > 1 ? "s" : ""} shut off, disks kept`);
    return 0;
}

/** Starts every node that is shut off; the caller waits for health. */
export function startAll(info: StackInfo): void {
    info.nodes.forEach((n, i) => {
        if (!needsStart(stateOf(info, i))) return;
        must(virshFor(info, n), `start ${n.name}`, "start", n.domain);
        console.log(`${n.name} is starting`);
    });
}
