// How a person reaches a node from the machine that ran `pulumi up`, as the stack outputs
// print it. Pure. In namespace mode (scripts/lib/mode.sh) the nodes live in a network
// namespace, so the commands enter it; in host mode they run as printed.
import { HOST_KEY_OPTIONS } from "../exec/ssh";

/** Where the lab's nodes are reachable: `netns` names the lab namespace in namespace mode. */
export interface Access {
    netns?: string;
}

/** Nodes are throw-away VMs whose host keys change with every rebuild. */
const THROWAWAY_HOST = HOST_KEY_OPTIONS.join(" ");

export function sshCommand(access: Access, user: string, ip: string): string {
    const ssh = `ssh ${THROWAWAY_HOST} ${user}@${ip}`;
    return access.netns ? `ip netns exec ${access.netns} ${ssh}` : ssh;
}

/** The documented way to a node's display: `lab vnc` forwards it out of a namespace. */
export function vncCommand(stack: string, index: number): string {
    return `scripts/lab.sh --stack ${stack} vnc ${index}`;
}
