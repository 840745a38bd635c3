// membership=agent: the step that waits, on each node, until its node agent reports the node
// ready (the contract of docs/NODE_AGENT.md). It takes the place of the lab's membership step
// and writes nothing: what the node knows of the others is the agent's business. Pure.
import { NodePlan } from "./addressing";
import { nodeStep, template } from "./templates";

/** Where an agent reports, on every node (docs/NODE_AGENT.md). */
export const AGENT_REPORT_DIR = "/run/clusteros/agent";

/** How long `make up` waits for a node's agent: as long as for the lab's membership step. */
export const READY_TIMEOUT_SECONDS = 900;

export interface ReadinessPlan {
    script: string;
    environment: Record<string, string>;
    /** Run when the node is removed, before its machine: the agent is stopped (and may leave). */
    leaveScript: string;
}

export function planReadiness(node: NodePlan, timeoutSeconds = READY_TIMEOUT_SECONDS): ReadinessPlan {
    return {
        script: nodeStep("agent/wait-ready.sh"),
        environment: { READY_HOSTNAME: node.hostname, READY_TIMEOUT: String(timeoutSeconds) },
        leaveScript: template("agent/leave.sh"),
    };
}
