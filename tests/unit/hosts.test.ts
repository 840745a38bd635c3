// Placement of nodes on libvirt hosts (components/plan/hosts.ts) and its validation.
import { describe, expect, it } from "vitest";
import { planCluster, PlanFiles } from "../../components/plan/cluster-plan";
import { ConfigError, RawConfig, validateConfig } from "../../components/plan/config";
import { placeNodes } from "../../components/plan/hosts";
import { config } from "./helpers";

const LAB2 = { libvirtUri: "qemu+ssh://root@lab2/system", nodeCidr: "10.77.1.0/24" };
const LAB3 = { libvirtUri: "qemu+ssh://root@lab3/system", nodeCidr: "10.77.2.0/24" };
const files: PlanFiles = { read: (p) => Buffer.from(`content of ${p}`), cacheDir: "/cache" };

/** Node number -> host name, as a plain object. */
function placement(raw: RawConfig): Record<number, string> {
    const cfg = config(raw);
    return Object.fromEntries(cfg.hosts.flatMap((h) => h.nodes.map((n) => [n, h.name])));
}

function problemsOf(raw: RawConfig): string[] {
    try {
        config(raw);
    } catch (e) {
        if (e instanceof ConfigError) return e.problems.map((p) => `${p.key}: ${p.problem}`);
        throw e;
    }
    return [];
}

describe("placing nodes on hosts", () => {
    it("keeps every node on the main host (the stack's libvirtUri) when no other host is given", () => {
        const cfg = config({ nodeCount: 3 });
        expect(cfg.hosts.map((h) => [h.name, h.libvirtUri, h.nodeCidr.text, h.nodes])).toEqual([["main", "qemu:///system", "10.77.0.0/24", [1, 2, 3]]]);
    });

    it("places listed nodes on their host, at addresses of that host's range", () => {
        expect(placement({ nodeCount: 3, hosts: { lab2: { ...LAB2, nodes: [3] } } })).toEqual({ 1: "main", 2: "main", 3: "lab2" });
        const plan = planCluster("clusteros-lab", "ci", config({ nodeCount: 3, hosts: { lab2: { ...LAB2, nodes: [3] } } }), files);
        expect(plan.nodes.map((n) => [n.node.host, n.node.ip, n.output.host])).toEqual([
            ["main", "10.77.0.10", "main"], ["main", "10.77.0.11", "main"], ["lab2", "10.77.1.12", "lab2"],
        ]);
        // Several hosts route their networks to each other: no NAT on any of them.
        expect(plan.hosts.map((h) => [h.name, h.libvirtUri, h.network.cidr, h.network.mode])).toEqual([
            ["main", "qemu:///system", "10.77.0.0/24", "route"], ["lab2", LAB2.libvirtUri, "10.77.1.0/24", "route"],
        ]);
        expect(plan.outputs.hosts).toEqual([
            { name: "main", libvirtUri: "qemu:///system", nodeCidr: "10.77.0.0/24", network: "clusteros-lab-ci-net", nodes: [1, 2] },
            { name: "lab2", libvirtUri: LAB2.libvirtUri, nodeCidr: "10.77.1.0/24", network: "clusteros-lab-ci-net", nodes: [3] },
        ]);
        // A node's network settings are its own host's (gateway of that range).
        expect(plan.nodes[2].cloudInit({ wireguardPrivateKey: "wg", mungeKey: "bQ==", kubernetes: { token: "t" }, clusterKey: "k" }, "ssh-ed25519 AAAA a")
            .networkConfig).toContain("10.77.1.1");
    });

    it("accepts the JSON text Pulumi hands over, and node numbers given as strings", () => {
        expect(placement({ nodeCount: 2, hosts: JSON.stringify({ lab2: { ...LAB2, nodes: ["2"] } }) })).toEqual({ 1: "main", 2: "lab2" });
    });

    it("gives a count the highest-numbered nodes no list places, hosts in name order", () => {
        expect(placement({ nodeCount: 6, hosts: { lab3: { ...LAB3, nodes: 2 }, lab2: { ...LAB2, nodes: [6] } } }))
            .toEqual({ 1: "main", 2: "main", 3: "main", 4: "lab3", 5: "lab3", 6: "lab2" });
    });

    it("never moves a node when a node or a listed host is added", () => {
        const before = placement({ nodeCount: 3, hosts: { lab2: { ...LAB2, nodes: [2] } } });
        const grown = placement({ nodeCount: 4, hosts: { lab2: { ...LAB2, nodes: [2] } } });
        const more = placement({ nodeCount: 5, hosts: { lab2: { ...LAB2, nodes: [2] }, lab3: { ...LAB3, nodes: [5] } } });
        for (const after of [grown, more]) for (const [n, h] of Object.entries(before)) expect(after[Number(n)]).toBe(h);
        expect(grown[4]).toBe("main");
        // A host added with a count, together with as many new nodes, takes exactly the new ones.
        const counted = placement({ nodeCount: 5, hosts: { lab2: { ...LAB2, nodes: [2] }, lab3: { ...LAB3, nodes: 2 } } });
        expect(counted).toEqual({ ...before, 4: "lab3", 5: "lab3" });
    });

    it("is the same whatever order the hosts are written in", () => {
        const a = placeNodes({ libvirtUri: "qemu:///system", nodeCidr: config().nodeCidr, nodeCount: 5, reserved: {},
            hosts: { lab2: { ...LAB2, nodes: 1 }, lab3: { ...LAB3, nodes: 1 } } });
        const b = placeNodes({ libvirtUri: "qemu:///system", nodeCidr: config().nodeCidr, nodeCount: 5, reserved: {},
            hosts: { lab3: { ...LAB3, nodes: 1 }, lab2: { ...LAB2, nodes: 1 } } });
        expect(a.hosts.map((h) => [h.name, h.nodes])).toEqual(b.hosts.map((h) => [h.name, h.nodes]));
    });
});

describe("validating hosts", () => {
    it("reports every problem at once, each at its key", () => {
        const problems = problemsOf({
            nodeCount: 3,
            hosts: {
                lab2: { libvirtUri: "qemu:///system", nodeCidr: "10.77.0.0/25", nodes: [3, 4] },
                lab3: { libvirtUri: "not a uri", nodeCidr: "10.77.2.0/24", nodes: [3], extra: 1 },
                lab4: { libvirtUri: LAB3.libvirtUri.replace("lab3", "lab4"), nodeCidr: "10.78.0.0/24", nodes: 5 },
                Main: { ...LAB2 },
            },
        });
        expect(problems).toEqual(expect.arrayContaining([
            "hosts.Main: is not a host name (a lower-case letter, then up to 15 letters, digits or dashes)",
            "hosts.lab3.extra: is not a setting of a host (known: libvirtUri, nodeCidr, nodes)",
            "hosts.lab3.libvirtUri: is not a libvirt URI",
            "hosts.lab2.nodes: places node 4, beyond nodeCount (3)",
            "hosts.lab3.nodes: places node 3, which hosts.lab2.nodes places too",
            "hosts.lab4.nodes: asks for 5 nodes, but only 2 of nodeCount (3) are not placed elsewhere",
            "hosts.lab2.libvirtUri: is host main's daemon too; a host is one libvirt daemon",
            "hosts.lab2.nodeCidr: overlaps nodeCidr 10.77.0.0/24; the hosts' networks are routed to each other",
            "hosts.lab4.nodeCidr: overlaps wireguardCidr 10.78.0.0/24; the hosts' networks are routed to each other",
        ]));
    });

    it("requires each host's own range and nodes, and says how to set them", () => {
        try {
            config({ hosts: { lab2: { libvirtUri: LAB2.libvirtUri } } });
            expect.unreachable();
        } catch (e) {
            const byKey = Object.fromEntries((e as ConfigError).problems.map((p) => [p.key, p]));
            expect(byKey["hosts.lab2.nodeCidr"].fix).toBe("pulumi config set --path 'hosts.lab2.nodeCidr' 10.77.1.0/24");
            expect(byKey["hosts.lab2.nodes"].problem).toBe("must be a number of nodes, or a list of node numbers");
        }
    });

    it("networkMode: a one-host stack NATs unless set to route, which adding hosts then leaves unchanged on the main host", () => {
        const mainMode = (raw: RawConfig) => planCluster("clusteros-lab", "ci", config(raw), files).hosts[0].network.mode;
        expect(mainMode({ nodeCount: 3 })).toBe("nat");
        expect(mainMode({ nodeCount: 3, networkMode: "route" })).toBe("route");
        expect(mainMode({ nodeCount: 3, networkMode: "route", hosts: { lab2: { ...LAB2, nodes: [3] } } })).toBe("route");
        expect(mainMode({ nodeCount: 3, hosts: { lab2: { ...LAB2, nodes: [3] } } })).toBe("route");
    });

    it("refuses networkMode nat with other hosts, naming the fix", () => {
        expect(problemsOf({ nodeCount: 3, networkMode: "nat", hosts: { lab2: { ...LAB2, nodes: [3] } } }))
            .toEqual(["networkMode: is nat, but hosts adds other hosts, whose nodes reach the main host's only over routed networks"]);
        // As Pulumi hands it over: hosts as JSON text.
        expect(problemsOf({ nodeCount: 3, networkMode: "nat", hosts: JSON.stringify({ lab2: { ...LAB2, nodes: [3] } }) }))
            .toEqual([expect.stringMatching(/^networkMode: is nat, but hosts adds other hosts/)]);
        expect(problemsOf({ networkMode: "bridge" })).toEqual([expect.stringMatching(/^networkMode: /)]);
    });

    it("rejects a hosts value that is not a set of hosts", () => {
        expect(problemsOf({ hosts: ["lab2"] })).toEqual(["hosts: must be a set of hosts by name, each with libvirtUri, nodeCidr and nodes"]);
    });

    it("checks a host's range against the networks in use on that host's daemon", () => {
        const seen: string[] = [];
        try {
            validateConfig({ imageFlavor: "debian-12", nodeCount: 2, hosts: { lab2: { ...LAB2, nodes: [2] } } }, {
                isFile: () => true,
                networksInUse: (uri: string) => {
                    seen.push(uri);
                    return uri === LAB2.libvirtUri ? [{ owner: "libvirt network default", name: "default", cidr: "10.77.1.0/24" }] : [];
                },
            }, "clusteros-lab", "ci");
            expect.unreachable();
        } catch (e) {
            expect((e as ConfigError).problems.map((p) => `${p.key}: ${p.problem}`))
                .toEqual([`hosts.lab2.nodeCidr: overlaps libvirt network default (10.77.1.0/24) on ${LAB2.libvirtUri}`]);
        }
        expect(seen).toEqual(["qemu:///system", LAB2.libvirtUri]);
    });

    it("names a host whose daemon does not answer", () => {
        try {
            validateConfig({ imageFlavor: "debian-12", nodeCount: 2, hosts: { lab2: { ...LAB2, nodes: [2] } } }, {
                isFile: () => true,
                networksInUse: (uri: string) => (uri === LAB2.libvirtUri ? "Cannot recv data: Connection reset by peer" : []),
            }, "clusteros-lab", "ci");
            expect.unreachable();
        } catch (e) {
            const [p] = (e as ConfigError).problems;
            expect(p.key).toBe("hosts.lab2.libvirtUri");
            expect(p.problem).toBe("libvirt does not answer there (Cannot recv data: Connection reset by peer)");
            expect(p.fix).toContain(`virsh -c '${LAB2.libvirtUri}' version`);
        }
    });
});
