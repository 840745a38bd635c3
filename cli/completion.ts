// Shell completion for lab: a bash (or zsh, through bashcompinit) script made from the
// commander tree itself, so every command and option the CLI has completes, and nothing else.
import * as path from "node:path";
import type { Command } from "commander";
import { renderFile } from "../components/plan/templates";

export const SHELLS = ["bash", "zsh"] as const;
export type Shell = (typeof SHELLS)[number];

/** A command path ("" for the program, "checkpoint" for its subcommands) and the words that may follow it. */
export interface CompletionPath {
    path: string;
    words: string[];
}

/**
 * Every command path of the tree, each with its subcommands' names, the choices of its
 * arguments (lab completion's shells), and its long options (and --help).
 */
export function completionPaths(program: Command): CompletionPath[] {
    const paths: CompletionPath[] = [];
    const walk = (cmd: Command, at: string) => {
        const options = cmd.options.map((o) => o.long).filter((l): l is string => !!l);
        const choices = cmd.registeredArguments.flatMap((a) => a.argChoices ?? []);
        paths.push({ path: at, words: [...cmd.commands.map((c) => c.name()), ...choices, ...options, "--help"] });
        for (const sub of cmd.commands) walk(sub, at ? `${at} ${sub.name()}` : sub.name());
    };
    walk(program, "");
    return paths;
}

/** The completion script for `shell`, to source or to put in the shell's completion directory. */
export function completionScript(program: Command, shell: Shell): string {
    const paths = completionPaths(program).map((p) => ({ path: p.path, words: p.words.join(" ") }));
    return renderFile(path.join(__dirname, "completion.bash.mustache"), { shell, zsh: shell === "zsh", paths });
}
