// lab topology: a stack of 4 nodes on 2 hosts drawn by Graphviz: each host with its network
// and its own nodes, every node with its roles and addresses, and the WireGuard full mesh.
import { describe, expect, it } from "vitest";
import { parseStackOutputs } from "../../cli/stack";
import { topologyDot, topologySvg, topologyView } from "../../cli/topology";

const info = parseStackOutputs("ci", JSON.stringify({
    nodes: [1, 2, 3, 4].map((i) => ({
        name: `cluster-node-${i}`, domain: `clusteros-lab-ci-node-${i}`, host: i <= 2 ? "main" : "lab2",
        ip: `10.79.${i <= 2 ? 0 : 1}.${9 + i}`, wireguardIp: `10.80.0.${i}`, wireguardPublicKey: `k${i}=`, ssh: "", vncDisplay: "", serialLog: "",
        roles: i === 1 ? ["slurm-controller", "kubernetes-server"] : ["slurm-worker", "kubernetes-agent"],
    })),
    hosts: [
        { name: "main", libvirtUri: "qemu:///system", nodeCidr: "10.79.0.0/24", network: "clusteros-lab-ci", nodes: [1, 2] },
        { name: "lab2", libvirtUri: "qemu+ssh://lab2/system", nodeCidr: "10.79.1.0/24", network: "clusteros-lab-ci-lab2", nodes: [3, 4] },
    ],
    controller: "cluster-node-1", adminUser: "clusteros", libvirtUri: "qemu:///system", automationPrivateKey: "x",
}));

/** The SVG's text as a viewer shows it (Graphviz writes "-" as &#45;, a quote as &quot;). */
const shown = (svg: string) => svg.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))).replace(/&quot;/g, '"');

describe("lab topology", () => {
    it("puts each node under its own host, and links every pair of nodes once (the full mesh)", () => {
        const view = topologyView(info);
        expect(view.hosts.map((h) => [h.name, h.cidr, h.nodes.map((n) => n.name)])).toEqual([
            ["main", "10.79.0.0/24", ["cluster-node-1", "cluster-node-2"]],
            ["lab2", "10.79.1.0/24", ["cluster-node-3", "cluster-node-4"]],
        ]);
        expect(view.mesh).toHaveLength(6);
        expect(new Set(view.mesh.map((l) => [l.a, l.b].sort().join(" "))).size).toBe(6);
    });

    it("draws an SVG with every host, network and node, its roles and both addresses, and 10 lines: 4 to the networks, 6 of the mesh", () => {
        const svg = topologySvg(info);
        expect(svg).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
        for (const text of ["host main", "host lab2", "qemu+ssh://lab2/system", "network clusteros-lab-ci-lab2", "10.79.1.0/24",
            "cluster-node-4", "slurm-controller, kubernetes-server", "lab 10.79.1.13", "wg0 10.80.0.4", "WireGuard full mesh (6 links)"]) {
            expect(shown(svg), text).toContain(text);
        }
        expect(svg.match(/<g id="edge\d+" class="edge">/g)).toHaveLength(10);
    });

    it("keeps a quote in a value inside its DOT string", () => {
        const odd = { ...info, hosts: [{ ...info.hosts[0], libvirtUri: 'qemu:///system?x="y"' }, info.hosts[1]] };
        expect(topologyDot(odd)).toContain('qemu:///system?x=\\"y\\"');
        expect(shown(topologySvg(odd))).toContain('qemu:///system?x="y"');
    });

    it("says how to get Graphviz when dot is missing", () => {
        expect(() => topologySvg(info, "/nonexistent/dot")).toThrow(/make setup installs it \(package graphviz\)/);
    });
});
