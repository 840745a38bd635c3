// The user's selected stack, kept across pulumi CLI commands that lose it: `pulumi stack rm`
// leaves no stack selected, whichever stack it removes. lab/stacks.ts keepingSelection does
// the same around the Automation API; this one is for synchronous callers (the sweep, lab
// rekey), without loading that API.
import { spawnSync } from "node:child_process";

/** Runs fn, then selects again the stack selected before it, if there was one and it still exists. */
export function keepingSelectionSync<T>(fn: () => T, cwd: string, env: NodeJS.ProcessEnv = process.env): T {
    const pulumi = (...args: string[]) => spawnSync("pulumi", args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const shown = pulumi("stack", "--show-name");
    const selected = shown.status === 0 ? shown.stdout.trim() : "";
    try {
        return fn();
    } finally {
        if (selected) pulumi("stack", "select", selected);
    }
}
