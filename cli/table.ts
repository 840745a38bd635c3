// The CLI's tables: coloured on a terminal, plain text when the output goes to a file or a
// pipe (logs, grep, CI), where colour codes would only be noise, or when NO_COLOR is set.
import Table from "cli-table3";

type TableOptions = ConstructorParameters<typeof Table>[0];

/** cli-table3's options: its colours on a terminal, none elsewhere. */
export function tableOptions(head: string[], tty: boolean): TableOptions {
    return { head, ...(tty ? {} : { style: { head: [], border: [] } }) };
}

/** Whether tables may be coloured: on a terminal, unless NO_COLOR is set to anything (no-color.org). */
export function colour(env: NodeJS.ProcessEnv = process.env, tty = Boolean(process.stdout.isTTY)): boolean {
    return tty && !env.NO_COLOR;
}

export function newTable(head: string[], tty = colour()): InstanceType<typeof Table> {
    return new Table(tableOptions(head, tty));
}
