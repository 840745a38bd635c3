// Where nodes are reachable from this process. In namespace mode (scripts/lib/mode.sh) the
// lab's bridges and guests live in a network namespace, named by CLUSTEROS_LAB_NETNS, and
// anything that talks to a node enters it; in host mode nodes are reachable from here.
export function labNetns(env: NodeJS.ProcessEnv = process.env): string | undefined {
    const ns = env.CLUSTEROS_LAB_NETNS?.trim();
    return ns ? ns : undefined;
}

/** argv to run a program where the nodes are reachable. */
export function inPlace(argv: string[], netns = labNetns()): string[] {
    return netns ? ["ip", "netns", "exec", netns, ...argv] : argv;
}
