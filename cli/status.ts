// lab status: a row per node from its domain state, asked of the libvirt host it lives on,
// and what it answers over SSH (cli/probe.sh). A host whose daemon does not answer marks
// its own nodes unhealthy, naming the host and its URI; the other hosts' nodes are probed
// as ever.
import * as fs from "node:fs";
import * as path from "node:path";
import { newTable } from "./table";
import { Ran } from "../components/exec/spawn";
import { pausedForIo } from "./disk-faults";
import { agentBuildCell, assess, parseProbe, Probe, Row, runsKubernetes } from "./health";
import { isStopped, stoppedLine } from "./power-plan";
import { keyFile, runOn } from "./ssh";
import { HostInfo, hostOf, NodeInfo, StackInfo } from "./stack";
import { HostUnreachable, Virsh, virshAt } from "./virsh";

const PROBE = fs.readFileSync(path.join(__dirname, "probe.sh"), "utf8");

/** How status reaches things: virsh against a host, and cli/probe.sh run on a node. */
export interface Probers {
    virsh(host: HostInfo): Virsh;
    probe(node: NodeInfo): Promise<Ran>;
}

/** The probers that reach the real hosts and nodes, with the stack's automation key at `key`. */
export function realProbers(info: StackInfo, key: string): Probers {
    return { virsh: (host) => virshAt(host), probe: (node) => runOn(info, node, key, "bash -s", PROBE) };
}

type DomainState = { state: string } | { down: HostUnreachable };

/** Each node's domain state from its host; a host that did not answer is not asked again. */
function domainStates(info: StackInfo, probers: Probers, nodes: NodeInfo[]): DomainState[] {
    const down = new Map<string, HostUnreachable>();
    return nodes.map((n) => {
        const host = hostOf(info, n);
        const known = down.get(host.name);
        if (known) return { down: known };
        try {
            const virsh = probers.virsh(host);
            const r = virsh("domstate", n.domain);
            const state = r.ok ? r.out.split("\n")[0] : "missing";
            // QEMU pauses a node on an I/O error it does not report to the guest (a full disk,
            // lab disk N full): said, apart from a pause someone made.
            if (state === "paused" && pausedForIo(virsh, n.domain)) return { state: "paused (I/O error)" };
            return { state };
        } catch (e) {
            if (!(e instanceof HostUnreachable)) throw e;
            down.set(host.name, e);
            return { down: e };
        }
    });
}

async function probeNode(node: NodeInfo, domain: DomainState, probers: Probers): Promise<Probe> {
    if ("down" in domain) return { domainState: "unknown", reachable: false, hostDown: domain.down.problem };
    const domainState = domain.state;
    if (domainState !== "running") return { domainState, reachable: false };
    const r = await probers.probe(node);
    if (r.code !== 0) return { domainState, reachable: false, error: r.stderr.trim().split("\n").pop() };
    return { domainState, reachable: true, ...parseProbe(r.stdout) };
}

export interface Assessment {
    rows: Row[];
    /** The hosts whose daemon did not answer, once each. */
    downHosts: HostUnreachable[];
}

/** Every node's row (a row depends on that node's probe alone). */
export const assessAll = (info: StackInfo, probers: Probers): Promise<Assessment> => assessNodes(info, probers, info.nodes);

/** The rows of `nodes` (some of the stack's), in their order. */
async function assessNodes(info: StackInfo, probers: Probers, nodes: NodeInfo[]): Promise<Assessment> {
    const domains = domainStates(info, probers, nodes);
    const probes = await Promise.all(nodes.map((n, i) => probeNode(n, domains[i], probers)));
    // With membership=agent the stack assigns no roles: the agent reports the ones it chose.
    const rolesOf = (n: NodeInfo, p: Probe) => (n.roles.length ? n.roles : p.agentRoles ?? []);
    const rows = nodes.map((n, i) => {
        const roles = rolesOf(n, probes[i]);
        const row = assess(n, probes[i], info.nodes.length - 1, roles.some((r) => r.startsWith("slurm")), runsKubernetes(roles));
        return info.nodeAgentBuild ? { ...row, agentBuild: agentBuildCell(info.nodeAgentBuild, probes[i]) } : row;
    });
    const downHosts = [...new Set(domains.flatMap((d) => ("down" in d ? [d.down] : [])))];
    return { rows, downHosts };
}

/**
 * Every node's row, probed again every HEALTH_POLL_MS until all are healthy or the deadline
 * (ms since the epoch) passes; `waiting` hears the rows of each round that found one unhealthy.
 * A round probes only the nodes not yet healthy, and every node once more when none is left
 * (one healthy earlier may not be now): a probe costs the node CPU, and while one node boots
 * (a scale-out, a repair) the others need not answer every 2 s.
 */
export async function untilHealthy(info: StackInfo, probers: Probers, deadline: number, waiting: (rows: Row[]) => void = () => {},
    pollMs = HEALTH_POLL_MS): Promise<Assessment> {
    let { rows, downHosts } = await assessAll(info, probers);
    let everyNode = true;
    for (;;) {
        const unhealthy = info.nodes.filter((_, i) => !rows[i].healthy);
        if (unhealthy.length === 0 && everyNode) break;
        if (Date.now() >= deadline) break;
        if (unhealthy.length === 0) {
            ({ rows, downHosts } = await assessAll(info, probers));
            everyNode = true;
            continue;
        }
        waiting(rows);
        await new Promise((r) => setTimeout(r, pollMs));
        const again = await assessNodes(info, probers, unhealthy);
        rows = rows.map((r) => again.rows[unhealthy.findIndex((n) => n.name === r.node)] ?? r);
        downHosts = again.downHosts;
        everyNode = unhealthy.length === info.nodes.length;
    }
    return { rows, downHosts };
}

/** The status table, a row per node. */
export function statusTable(rows: Row[]): string {
    // The agent's column only where an agent forms the cluster (membership=agent).
    const agent = rows.some((r) => r.agent !== "-");
    // The build's column only where the stack builds its agent from source (nodeAgentSource).
    const build = rows.some((r) => r.agentBuild !== undefined);
    const table = newTable(["node", "host", "domain", "ip", "wireguard", "handshakes", "slurm", "kubernetes", "cloud-init",
        ...(agent ? ["agent"] : []), ...(build ? ["agent build"] : []), "health"]);
    for (const r of rows) {
        table.push([r.node, r.host, r.domain, r.ip, r.wireguardIp, r.handshakes, r.slurm, r.kubernetes, r.cloudInit,
            ...(agent ? [r.agent] : []), ...(build ? [r.agentBuild ?? "-"] : []), r.healthy ? "ok" : r.problems.join("; ")]);
    }
    return table.toString();
}

/** What `lab status --json` prints: the stack, whether every node is healthy, whether the whole stack is stopped, and a row per node. */
export function statusJson(stack: string, rows: Row[]): string {
    return JSON.stringify({ stack, healthy: rows.every((r) => r.healthy), stopped: isStopped(rows.map((r) => r.domain)), nodes: rows }, null, 2);
}

/**
 * How often a wait for health probes the nodes again: a probe runs on each node's shared SSH
 * connection (cli/ssh.ts); it costs the node about 0.8 s of CPU under TCG (measured
 * 2026-12-07: 1.8 s before cli/probe.sh started fewer processes), so only the nodes not yet
 * healthy are probed again (untilHealthy).
 */
export const HEALTH_POLL_MS = 2_000;

/**
 * Prints the status table (or, with json, statusJson); with waitSeconds, probes again every
 * HEALTH_POLL_MS until every node is healthy. Exit code 1 when one is not.
 */
export async function status(info: StackInfo, waitSeconds = 0,
    probersOf: (info: StackInfo, key: string) => Probers = realProbers, json = false): Promise<number> {
    const { file, cleanup } = keyFile(info);
    try {
        const probers = probersOf(info, file);
        const { rows, downHosts } = await untilHealthy(info, probers, Date.now() + waitSeconds * 1000, (now) => {
            const waiting = now.filter((r) => !r.healthy).map((r) => `${r.node} (${r.problems.join("; ")})`);
            console.error(`waiting for ${waiting.join(", ")}`);
        });
        console.log(json ? statusJson(info.stack, rows) : statusTable(rows));
        const bad = rows.filter((r) => !r.healthy);
        if (isStopped(rows.map((r) => r.domain))) console.error(stoppedLine(info.stack));
        else for (const r of bad) console.error(`${r.node} is not healthy: ${r.problems.join("; ")}`);
        // What to do about a host, when there is more to say than that it does not answer.
        for (const h of downHosts) if (h.message !== h.problem) console.error(h.message);
        return bad.length === 0 ? 0 : 1;
    } finally {
        cleanup();
    }
}
