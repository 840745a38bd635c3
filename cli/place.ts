// Where nodes are reachable from this process. In namespace mode (lab/mode.ts) the lab's
// bridges and guests live in a network namespace, and anything that talks to a node enters
// it; in host mode nodes are reachable from here. CLUSTEROS_LAB_NETNS, set by `lab in-place`
// for what it runs, names it; without it the mode is detected.
import { inPlace as inNetns, labMode } from "../lab/mode";

export function labNetns(env: NodeJS.ProcessEnv = process.env): string | undefined {
    return env.CLUSTEROS_LAB_NETNS?.trim() || labMode(env).netns || undefined;
}

/** argv to run a program where the nodes are reachable. */
export function inPlace(argv: string[], netns = labNetns()): string[] {
    return inNetns(argv, netns);
}
