// How a person reaches a node from the machine that ran `pulumi up`, as the stack outputs
// print it. Pure. In namespace mode (lab/mode.ts) the nodes live in a network
// namespace, so the commands enter it; in host mode they run as printed.

/** Where and how the lab's nodes are reachable. */
export interface Access {
    /** The lab namespace, in namespace mode. */
    netns?: string;
    /**
     * ssh's options for nodes, throw-away VMs whose host keys change with every rebuild:
     * host keys neither asked nor kept (components/exec/ssh.ts HOST_KEY_OPTIONS, which the
     * program passes in, so that planning reads no file).
     */
    hostKeyOptions?: readonly string[];
    /**
     * How the `lab` command is typed where the program lives: scripts/lab.sh in this checkout
     * (the default), `npx lab` in a repository that installed the lab as a package.
     */
    labCommand?: string;
}

export function sshCommand(access: Access, user: string, ip: string): string {
    const ssh = ["ssh", ...(access.hostKeyOptions ?? []), `${user}@${ip}`].join(" ");
    return access.netns ? `ip netns exec ${access.netns} ${ssh}` : ssh;
}

/** The documented way to a node's display: `lab vnc` forwards it out of a namespace. */
export function vncCommand(access: Access, stack: string, index: number): string {
    return `${access.labCommand ?? "scripts/lab.sh"} --stack ${stack} vnc ${index}`;
}
