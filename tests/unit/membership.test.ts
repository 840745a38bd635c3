import { describe, expect, it } from "vitest";
import { planNodes } from "../../components/plan/addressing";
import { peersOf, planMembership, renderSlurmConf, slurmRealMemory } from "../../components/plan/membership";
import { config } from "./helpers";

const keys = (n: number) => Array.from({ length: n }, (_, i) => `pubkey-${i + 1}=`);

describe.each([1, 3, 5])("membership of a %i-node cluster", (n) => {
    const cfg = config({ nodeCount: n });
    const nodes = planNodes("p", "s", cfg);

    it("peers every node with every other node, once", () => {
        for (const self of nodes) {
            const peers = peersOf(self, nodes, keys(n), cfg.wireguardPort);
            expect(peers.map((p) => p.hostname)).toEqual(nodes.filter((x) => x !== self).map((x) => x.hostname));
            for (const p of peers) {
                const other = nodes.find((x) => x.hostname === p.hostname)!;
                expect(p.publicKey).toBe(`pubkey-${other.index}=`);
                expect(p.endpoint).toBe(`${other.ip}:51820`);
                expect(p.allowedIps).toBe(`${other.wireguardIp}/32`);
            }
        }
    });

    it("lists every node in slurm.conf with the controller first, all at their mesh addresses", () => {
        const conf = renderSlurmConf(nodes, cfg);
        expect(conf).toContain(`SlurmctldHost=cluster-node-1(${nodes[0].wireguardIp})`);
        const lines = conf.split("\n").filter((l) => l.startsWith("NodeName="));
        expect(lines).toHaveLength(n);
        expect(lines[n - 1]).toContain(`NodeName=cluster-node-${n} NodeAddr=${nodes[n - 1].wireguardIp} CPUs=${cfg.nodeVcpus}`);
        expect(lines[0]).toContain(`RealMemory=${slurmRealMemory(cfg.nodeMemoryMiB)}`);
        // No lab (NAT) address: SLURM's traffic never leaves the mesh.
        for (const node of nodes) expect(conf).not.toContain(node.ip);
    });

    it("gives the static script peers, hosts and SLURM config as data", () => {
        const m = planMembership(nodes[0], nodes, keys(n), cfg);
        expect(m.script).toContain("wait_for_identity 900");
        expect(m.script).toContain("wg syncconf wg0");
        expect(m.script).toContain("systemctl restart slurmctld");
        expect(m.data.slurmController).toBe(true);
        expect((m.data.peersConf.match(/\[Peer\]/g) ?? []).length).toBe(n - 1);
        expect(m.data.hosts.split("\n").filter((l) => / cluster-node-\d+-wg$/.test(l))).toHaveLength(n);
        // The script reads each file from its variable, base64-encoded.
        expect(Buffer.from(m.environment.MEMBERSHIP_PEERS_CONF, "base64").toString()).toBe(m.data.peersConf);
        expect(m.environment.MEMBERSHIP_SLURM).toBe("true");
        for (const name of Object.keys(m.environment)) expect(m.script).toContain(`$${name}`);
    });
});

describe("membership hash", () => {
    it("changes for every node when a node joins, and only then", () => {
        const three = planNodes("p", "s", config({ nodeCount: 3 }));
        const four = planNodes("p", "s", config({ nodeCount: 4 }));
        for (const i of [0, 1, 2]) {
            const before = planMembership(three[i], three, keys(3), config({ nodeCount: 3 }));
            const again = planMembership(three[i], three, keys(3), config({ nodeCount: 3 }));
            const after = planMembership(four[i], four, keys(4), config({ nodeCount: 4 }));
            expect(again.hash).toBe(before.hash);
            expect(after.hash).not.toBe(before.hash);
        }
    });

    it("leaves SLURM out when it is off", () => {
        const cfg = config({ nodeCount: 2, slurm: false });
        const nodes = planNodes("p", "s", cfg);
        const m = planMembership(nodes[1], nodes, keys(2), cfg);
        expect(m.environment.MEMBERSHIP_SLURM).toBe("false");
        expect(m.data.slurmConf).toBe("");
    });
});

describe("pod routes over the mesh", () => {
    /** Each [Peer]'s AllowedIPs as WireGuard reads peers.conf: a comma-separated list. */
    const allowedIpsOf = (peersConf: string) => [...peersConf.matchAll(/^AllowedIPs = (.*)$/gm)].map((m) => m[1].split(/,\s*/));

    it.each([1, 3, 5])("with upstream Kubernetes, sends each peer's pod subnet to it and routes exactly the others' (%i nodes)", (n) => {
        const cfg = config({ nodeCount: n, kubernetes: "upstream" });
        const nodes = planNodes("p", "s", cfg);
        for (const self of nodes) {
            const others = nodes.filter((x) => x.index !== self.index);
            const m = planMembership(self, nodes, keys(n), cfg);
            expect(m.peers.map((p) => p.allowedIps)).toEqual(others.map((o) => `${o.wireguardIp}/32, ${o.podSubnet}`));
            expect(allowedIpsOf(m.data.peersConf)).toEqual(others.map((o) => [`${o.wireguardIp}/32`, o.podSubnet]));
            expect(m.data.podRoutes).toEqual(others.map((o) => o.podSubnet));
            expect(m.data.podRoutes).not.toContain(self.podSubnet);
            expect(m.environment.MEMBERSHIP_POD_ROUTES.split(" ").filter(Boolean)).toEqual(m.data.podRoutes);
        }
    });

    it.each(["k3s", "off"])("with kubernetes=%s, routes no pod subnet (K3s's flannel carries its own)", (kubernetes) => {
        const cfg = config({ nodeCount: 3, kubernetes });
        const nodes = planNodes("p", "s", cfg);
        for (const self of nodes) {
            const m = planMembership(self, nodes, keys(3), cfg);
            expect(allowedIpsOf(m.data.peersConf)).toEqual(nodes.filter((x) => x !== self).map((o) => [`${o.wireguardIp}/32`]));
            expect(m.data.podRoutes).toEqual([]);
            expect(m.environment.MEMBERSHIP_POD_ROUTES).toBe("");
        }
    });

    it("runs the membership step again when the pod routes change (its hash covers them)", () => {
        const nodes = planNodes("p", "s", config({ nodeCount: 2 }));
        const hash = (kubernetes: string) => planMembership(nodes[0], nodes, keys(2), config({ nodeCount: 2, kubernetes })).hash;
        expect(hash("upstream")).not.toBe(hash("k3s"));
    });
});
