// What the e2e's multi-host files share (tests/e2e/e2e.sh runs them after scaling out to 4):
// the second host that script made (E2E_H2, E2E_H2_URI, E2E_H2_CIDR, E2E_H2_DIR), the node
// placed there, and where each node runs.
import { spawnCollect } from "../../components/exec/spawn";
import { e2e, inHost, prefixOf, run, script } from "./context";

export const MAIN_URI = "qemu:///system";
export const h2 = {
    get name(): string { return process.env.E2E_H2 ?? "h2"; },
    get uri(): string { return process.env.E2E_H2_URI ?? ""; },
    get cidr(): string { return process.env.E2E_H2_CIDR ?? ""; },
    get dir(): string { return process.env.E2E_H2_DIR ?? ""; },
};
/** The node the e2e adds on the second host, after 4 on the main one. */
export const H2_NODE = 5;
/** The main host's nodes while node H2_NODE runs on the second. */
export const MAIN_NODES = Array.from({ length: H2_NODE - 1 }, (_, i) => i + 1);

const domain = (n: number) => `${prefixOf(e2e.stack)}-node-${n}`;

/** Node n's domain state on the daemon at uri ("" when it has no such domain). */
export async function domainState(uri: string, n: number): Promise<string> {
    const r = await spawnCollect(["virsh", "-q", "-c", uri, "domstate", domain(n)]);
    return r.code === 0 ? r.stdout.trim().split("\n")[0] : "";
}

/**
 * `lab status` where the daemon runs (waiting up to waitSeconds for health when given): its
 * exit code, output and "node host domain" per node row.
 */
export async function labStatus(waitSeconds?: number): Promise<{ code: number; output: string; rows: string[] }> {
    const r = await run(inHost([script("lab.sh"), "--stack", e2e.stack, "status", ...(waitSeconds ? ["--wait", String(waitSeconds)] : [])]));
    const rows = r.stdout.split("\n").map((l) => l.split("│").map((c) => c.trim()))
        .filter((c) => c.length > 3 && c[1].startsWith("cluster-node-")).map((c) => `${c[1]} ${c[2]} ${c[3]}`);
    return { code: r.code, output: r.output, rows };
}
