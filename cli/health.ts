// Turns what a probe saw on each node into one status row and a verdict. Pure.
import { NodeInfo } from "./stack";

export interface Probe {
    domainState: string;
    /** Reachable over SSH and answered the probe. */
    reachable: boolean;
    cloudInit?: string;
    /** Seconds since the newest handshake with each peer (Infinity: never). */
    handshakeAges?: number[];
    slurm?: string;
    k3s?: string;
    error?: string;
}

export interface Row {
    node: string;
    domain: string;
    ip: string;
    wireguardIp: string;
    handshakes: string;
    slurm: string;
    k3s: string;
    cloudInit: string;
    healthy: boolean;
    problems: string[];
}

// An idle mesh renews its session only when the initiator sends after REKEY_AFTER_TIME (120 s);
// with PersistentKeepalive 25 on both ends the initiator may send only every ~50 s, so a
// healthy idle pair's newest handshake reaches ~170 s, more under TCG. Stale means the
// session expired (REJECT_AFTER_TIME, 180 s) and no rekey followed for two more minutes.
export const HANDSHAKE_MAX_AGE = 300;
const SLURM_OK = new Set(["idle", "alloc", "mix", "allocated", "mixed", "comp"]);

export function formatAge(s: number): string {
    if (!Number.isFinite(s)) return "never";
    return s < 120 ? `${s}s` : `${Math.round(s / 60)}m`;
}

export function assess(node: NodeInfo, probe: Probe, peers: number, slurmOn: boolean, k3sOn: boolean): Row {
    const problems: string[] = [];
    if (probe.domainState !== "running") problems.push(`domain is ${probe.domainState}`);
    else if (!probe.reachable) problems.push(`no SSH answer${probe.error ? ` (${probe.error})` : ""}`);
    const ages = probe.handshakeAges ?? [];
    if (probe.reachable) {
        if (probe.cloudInit !== "done") problems.push(`cloud-init ${probe.cloudInit ?? "unknown"}`);
        if (ages.length !== peers) problems.push(`${ages.length} of ${peers} WireGuard peers`);
        const stale = ages.filter((a) => a > HANDSHAKE_MAX_AGE).length;
        if (stale > 0) problems.push(`${stale} stale WireGuard handshake${stale > 1 ? "s" : ""}`);
        if (slurmOn && !SLURM_OK.has((probe.slurm ?? "").replace(/[*~#!%$@^-]+$/, ""))) {
            problems.push(`SLURM ${probe.slurm || "not registered"}`);
        }
        if (k3sOn && probe.k3s !== "Ready" && probe.k3s !== "absent") problems.push(`K3s ${probe.k3s || "not ready"}`);
    }
    const worst = ages.length ? Math.max(...ages) : undefined;
    return {
        node: node.name,
        domain: probe.domainState,
        ip: node.ip,
        wireguardIp: node.wireguardIp,
        handshakes: probe.reachable ? `${ages.length}/${peers}${worst !== undefined ? `, oldest ${formatAge(worst)}` : ""}` : "-",
        slurm: slurmOn ? probe.slurm || "-" : "off",
        k3s: k3sOn ? (probe.k3s === "absent" ? "no binary" : probe.k3s || "-") : "off",
        cloudInit: probe.cloudInit ?? "-",
        healthy: problems.length === 0,
        problems,
    };
}
