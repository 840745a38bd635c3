// The CLI's tables: coloured on a terminal, plain text when the output goes to a file or a
// pipe (logs, grep, CI), where colour codes would only be noise.
import Table from "cli-table3";

type TableOptions = ConstructorParameters<typeof Table>[0];

/** cli-table3's options: its colours on a terminal, none elsewhere. */
export function tableOptions(head: string[], tty: boolean): TableOptions {
    return { head, ...(tty ? {} : { style: { head: [], border: [] } }) };
}

export function newTable(head: string[], tty = Boolean(process.stdout.isTTY)): InstanceType<typeof Table> {
    return new Table(tableOptions(head, tty));
}
