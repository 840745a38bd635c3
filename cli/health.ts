// Turns what a probe saw on each node into one status row and a verdict. Pure.
import { NodeInfo } from "./stack";

export interface Probe {
    domainState: string;
    /** Why the node's libvirt host did not answer, naming the host and its URI (its domain state is unknown). */
    hostDown?: string;
    /** Reachable over SSH and answered the probe. */
    reachable: boolean;
    cloudInit?: string;
    /** Seconds since the newest handshake with each peer (Infinity: never). */
    handshakeAges?: number[];
    slurm?: string;
    /** slurmctld's Reason for this node (scontrol show node), "" when it gives none. */
    slurmReason?: string;
    /** slurmd's unit state (systemctl is-active). */
    slurmd?: string;
    /** slurmd's last log lines, " | " between them, when it is not active. */
    slurmdLog?: string;
    /** Whether a file can be made on the root file system: "writable", or "read-only" after I/O errors. */
    rootFs?: string;
    /**
     * The node's Kubernetes state, either distribution: its Ready column, "" while it starts,
     * "absent" when the image has no Kubernetes, "off" when the node was given none.
     */
    kubernetes?: string;
    /** membership=agent: the first line of the agent's state ("ready…", "forming: …"). */
    agentState?: string;
    /** The members in the agent's view, where it reports them. */
    agentMembers?: { name: string; status: string }[];
    /** The roles the agent chose for this node. */
    agentRoles?: string[];
    /** sha256 of the node's agent binary; "" when it has none. */
    agentSha?: string;
    error?: string;
}

export interface Row {
    node: string;
    /** The libvirt host the node lives on. */
    host: string;
    domain: string;
    ip: string;
    wireguardIp: string;
    handshakes: string;
    slurm: string;
    kubernetes: string;
    cloudInit: string;
    /** membership=agent: the agent's state and its view of the members; "-" where the lab forms the cluster. */
    agent: string;
    /** With nodeAgentSource: the source hash of the build the node runs (agentBuildCell). */
    agentBuild?: string;
    healthy: boolean;
    problems: string[];
}

// An idle mesh renews its session only when the initiator sends after REKEY_AFTER_TIME (120 s);
// with PersistentKeepalive 25 on both ends the initiator may send only every ~50 s, so a
// healthy idle pair's newest handshake reaches ~170 s, more under TCG. Stale means the
// session expired (REJECT_AFTER_TIME, 180 s) and no rekey followed for two more minutes.
export const HANDSHAKE_MAX_AGE = 300;
const SLURM_OK = new Set(["idle", "alloc", "mix", "allocated", "mixed", "comp"]);
/**
 * Up for SLURM: a working state, whatever flags follow it, but "*": slurmctld has not heard
 * from the node's slurmd within SlurmdTimeout (sinfo: "not responding"), which is how a dead
 * slurmd looks until slurmctld marks the node down.
 */
export function slurmUp(state: string | undefined): boolean {
    const s = state ?? "";
    return !s.includes("*") && SLURM_OK.has(s.replace(/[~#!%$@^-]+$/, ""));
}

function kubernetesCell(state: string | undefined): string {
    if (state === "absent") return "no binary";
    if (state === "") return "starting";
    return state ?? "-";
}

export function formatAge(s: number): string {
    if (!Number.isFinite(s)) return "never";
    return s < 120 ? `${s}s` : `${Math.round(s / 60)}m`;
}

/** What cli/probe.sh printed (key=value lines), as a Probe. */
export function parseProbe(text: string): Omit<Probe, "domainState" | "reachable"> {
    const kv: Record<string, string> = Object.fromEntries(text.split("\n").filter((l) => l.includes("=")).map((l) => {
        const i = l.indexOf("=");
        return [l.slice(0, i), l.slice(i + 1).trim()];
    }));
    const handshakeAges = kv.handshakes ? kv.handshakes.split(",").map((a: string) => (a === "inf" ? Infinity : Number(a))) : [];
    return {
        cloudInit: kv.cloudinit || undefined, handshakeAges, slurm: kv.slurm, kubernetes: kv.kubernetes,
        slurmReason: kv.slurm_reason, slurmd: kv.slurmd, slurmdLog: kv.slurmd_log, rootFs: kv.rootfs || undefined,
        ...("agent_sha" in kv ? { agentSha: kv.agent_sha } : {}),
        ...("agent_state" in kv ? {
            agentState: kv.agent_state,
            agentMembers: (kv.agent_members ?? "").split(",").filter(Boolean).map((m) => {
                const i = m.lastIndexOf(":");
                return { name: m.slice(0, i), status: m.slice(i + 1) };
            }),
            agentRoles: (kv.agent_roles ?? "").split(",").filter(Boolean),
        } : {}),
    };
}

/**
 * Which build of the agent a node runs, with the stack's agent built from source: "src <hash>"
 * when the node's binary is the stack's build, "other build (sha256 <prefix>)" when it is not
 * (a node made from an older image, a binary copied by hand), "none" without one, "?" when the
 * node did not answer.
 */
export function agentBuildCell(built: { sourceHash: string; sha256: string }, probe: Pick<Probe, "agentSha">): string {
    if (probe.agentSha === undefined) return "?";
    if (probe.agentSha === "") return "none";
    return probe.agentSha === built.sha256 ? `src ${built.sourceHash}` : `other build (sha256 ${probe.agentSha.slice(0, 12)})`;
}

/** The agent's view in one cell: its state's first word, then its members by status. */
export function agentCell(probe: Pick<Probe, "agentState" | "agentMembers">): string {
    if (probe.agentState === undefined) return "-";
    const state = probe.agentState.split(":")[0];
    const byStatus = new Map<string, string[]>();
    for (const m of probe.agentMembers ?? []) byStatus.set(m.status, [...(byStatus.get(m.status) ?? []), m.name]);
    const alive = byStatus.get("alive")?.length ?? 0;
    const others = [...byStatus].filter(([s]) => s !== "alive").map(([s, names]) => `${names.length} ${s} (${names.join(", ")})`);
    return [state, `${alive} alive`, ...others].join(", ");
}

/**
 * Why SLURM does not count a node as up, as far as the node can tell: slurmctld's Reason,
 * and slurmd's state with its last log lines when it is not active. Never empty.
 */
export function slurmWhy(probe: Pick<Probe, "slurmReason" | "slurmd" | "slurmdLog">): string {
    const parts = [probe.slurmReason ? `reason: ${probe.slurmReason}` : "slurmctld gives no reason"];
    if (probe.slurmd === undefined) parts.push("slurmd's state unknown");
    else if (probe.slurmd === "active") parts.push("slurmd active");
    else parts.push(`slurmd ${probe.slurmd || "not found"}${probe.slurmdLog ? `: ${probe.slurmdLog}` : ""}`);
    return parts.join("; ");
}

/** A node runs Kubernetes when it has a Kubernetes role (kubernetes-server or kubernetes-agent), either distribution. */
export function runsKubernetes(roles: string[]): boolean {
    return roles.some((r) => r.startsWith("kubernetes"));
}

export function assess(node: NodeInfo, probe: Probe, peers: number, slurmOn: boolean, kubernetesOn: boolean): Row {
    const problems: string[] = [];
    if (probe.hostDown) problems.push(probe.hostDown);
    else if (probe.domainState !== "running") problems.push(`domain is ${probe.domainState}`);
    else if (!probe.reachable) problems.push(`no SSH answer${probe.error ? ` (${probe.error})` : ""}`);
    const ages = probe.handshakeAges ?? [];
    if (probe.reachable) {
        if (probe.rootFs === "read-only") problems.push("root file system read-only (I/O errors?)");
        if (probe.cloudInit !== "done") problems.push(`cloud-init ${probe.cloudInit ?? "unknown"}`);
        if (ages.length !== peers) problems.push(`${ages.length} of ${peers} WireGuard peers`);
        const stale = ages.filter((a) => a > HANDSHAKE_MAX_AGE).length;
        if (stale > 0) problems.push(`${stale} stale WireGuard handshake${stale > 1 ? "s" : ""}`);
        if (slurmOn && !slurmUp(probe.slurm)) {
            problems.push(`SLURM ${probe.slurm || "not registered"} (${slurmWhy(probe)})`);
        }
        if (kubernetesOn && probe.kubernetes !== "Ready" && probe.kubernetes !== "absent") {
            problems.push(`Kubernetes ${probe.kubernetes === "" ? "starting" : probe.kubernetes ?? "not reported"}`);
        }
        if (probe.agentState !== undefined && !/^ready\b/.test(probe.agentState)) problems.push(`agent ${probe.agentState}`);
        const lost = (probe.agentMembers ?? []).filter((m) => m.status !== "alive");
        if (lost.length) problems.push(`agent sees ${lost.map((m) => `${m.name} ${m.status}`).join(", ")}`);
    }
    const worst = ages.length ? Math.max(...ages) : undefined;
    return {
        node: node.name,
        host: node.host,
        domain: probe.hostDown ? "host unreachable" : probe.domainState,
        ip: node.ip,
        wireguardIp: node.wireguardIp,
        handshakes: probe.reachable ? `${ages.length}/${peers}${worst !== undefined ? `, oldest ${formatAge(worst)}` : ""}` : "-",
        slurm: slurmOn ? probe.slurm || "-" : "off",
        kubernetes: kubernetesOn ? kubernetesCell(probe.kubernetes) : "off",
        cloudInit: probe.cloudInit ?? "-",
        agent: agentCell(probe),
        healthy: problems.length === 0,
        problems,
    };
}
