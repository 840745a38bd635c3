// lab topology: the running stack drawn as an SVG (Graphviz's dot): each libvirt host with
// its network and nodes (name, roles, lab and WireGuard addresses), and the WireGuard full
// mesh between every pair of nodes. The graph is made from the stack's outputs alone.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { renderFile } from "../components/plan/templates";
import { CliError, StackInfo } from "./stack";

/** Node colours by role: the controller, Kubernetes servers, and the rest. */
function fillOf(roles: string[]): string {
    if (roles.includes("slurm-controller")) return "#fff2cc";
    if (roles.includes("kubernetes-server")) return "#e2f0d9";
    return "#ffffff";
}

const idOf = (s: string) => s.replace(/[^A-Za-z0-9_]/g, "_");
/** A value inside a DOT string ("..."). */
const q = (s: string) => s.replace(/["\\]/g, "\\$&");

/** The template's view: hosts with their nodes, and one link per pair of nodes. */
export function topologyView(info: StackInfo) {
    const nodes = info.nodes;
    const mesh = nodes.flatMap((a, i) => nodes.slice(i + 1).map((b) => ({ a: idOf(a.name), b: idOf(b.name) })));
    return {
        stack: info.stack,
        nodeCount: nodes.length,
        hostCount: info.hosts.length,
        meshLinks: mesh.length,
        hosts: info.hosts.map((h) => ({
            id: idOf(h.name), name: q(h.name), uri: q(h.libvirtUri),
            network: q(h.network || "(the stack's network)"), networkId: `net_${idOf(h.name)}`, cidr: q(h.nodeCidr),
            nodes: nodes.filter((n) => n.host === h.name).map((n) => ({
                id: idOf(n.name), name: q(n.name), roles: q(n.roles.join(", ")), ip: q(n.ip), wireguardIp: q(n.wireguardIp), fill: fillOf(n.roles),
            })),
        })),
        mesh,
    };
}

export function topologyDot(info: StackInfo): string {
    return renderFile(path.join(__dirname, "topology.dot.mustache"), topologyView(info));
}

/** The DOT graph drawn as SVG by Graphviz (`dot`, from Debian's graphviz package). */
export function topologySvg(info: StackInfo, dot = "dot"): string {
    const r = spawnSync(dot, ["-Tsvg"], { input: topologyDot(info), encoding: "utf8" });
    if (r.error) throw new CliError(`Graphviz's dot could not run (${r.error.message}): make setup installs it (package graphviz)`);
    if (r.status !== 0) throw new CliError(`dot failed: ${r.stderr.trim()}`);
    return r.stdout;
}
