// Stacks of this project through Pulumi's Automation API, for every host-side caller (the
// lab CLI, make up's recovery, the test API, the bench, the e2e): opened or made without
// moving the user's selection, removed likewise, and what their newest update did.
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { programDir } from "../components/program-dir";

/** Runs fn, then selects again the stack the user had selected (unless fn's own stack was it). */
async function keepingSelection<T>(fn: () => Promise<T>, except: string): Promise<T> {
    const workspace = await LocalWorkspace.create({ workDir: programDir() });
    const selected = (await workspace.stack())?.name;
    try {
        return await fn();
    } finally {
        if (selected && selected !== except) await workspace.selectStack(selected);
    }
}

/** A stack of this project for the Automation API, made when create is set; the user's selection stays. */
export function projectStack(name: string, opts: { create?: boolean } = {}): Promise<Stack> {
    const args = { stackName: name, workDir: programDir() };
    return keepingSelection(() => (opts.create
        ? LocalWorkspace.createOrSelectStack(args, { secretsProvider: "passphrase" })
        : LocalWorkspace.selectStack(args)), name);
}

/** The resource changes of the stack's newest update: { create: 2, same: 40, ... }. */
export async function lastUpdateChanges(stack: Stack): Promise<Record<string, number>> {
    return (await stack.history(1))[0]?.resourceChanges ?? {};
}

/** Removes a stack of this project (its state and settings file); the user's selection stays. */
export function removeProjectStack(stack: Stack): Promise<void> {
    return keepingSelection(() => stack.workspace.removeStack(stack.name), stack.name);
}
