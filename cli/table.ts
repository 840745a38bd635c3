// The CLI's tables: coloured on a terminal, plain text when the output goes to a file or a
// pipe (logs, grep, CI), where colour codes would only be noise.
import Table from "cli-table3";

export function newTable(head: string[], tty = Boolean(process.stdout.isTTY)): InstanceType<typeof Table> {
    return new Table({ head, ...(tty ? {} : { style: { head: [], border: [] } }) });
}
