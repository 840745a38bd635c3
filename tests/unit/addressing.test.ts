import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hostname, nodeMac, planNetwork, planNodes } from "../../components/plan/addressing";
import { Cidr, contains, fromNumber, nodeCapacity, parseCidr, toNumber, wireguardCapacity } from "../../components/plan/cidr";
import { config } from "./helpers";

/** Any valid IPv4 network in 10/8 with a prefix from /16 to /28. */
const networkArb = fc
    .tuple(fc.integer({ min: 16, max: 28 }), fc.integer({ min: 0, max: 2 ** 24 - 1 }))
    .map(([prefix, offset]) => {
        const size = 2 ** (32 - prefix);
        const base = toNumber("10.0.0.0") + Math.floor(offset / size) * size;
        return `${fromNumber(base)}/${prefix}`;
    });

const asCidr = (t: string) => parseCidr(t) as Cidr;

describe("addressing", () => {
    it("gives every node a unique address inside its ranges, never network, gateway or broadcast", () => {
        fc.assert(
            fc.property(networkArb, networkArb, fc.integer({ min: 1, max: 64 }), (nodeNet, wgNet, n) => {
                const nc = asCidr(nodeNet);
                const wc = asCidr(wgNet);
                fc.pre(nodeCapacity(nc) >= n && wireguardCapacity(wc) >= n);
                fc.pre(nc.base + nc.size <= wc.base || wc.base + wc.size <= nc.base);
                const cfg = config({ nodeCount: n, nodeCidr: nodeNet, wireguardCidr: wgNet });
                const nodes = planNodes("p", "s", cfg);
                const net = planNetwork("p", "s", nc);
                const ips = nodes.map((x) => x.ip);
                const wgs = nodes.map((x) => x.wireguardIp);
                expect(new Set(ips).size).toBe(n);
                expect(new Set(wgs).size).toBe(n);
                expect(new Set(nodes.map((x) => x.mac)).size).toBe(n);
                for (const ip of ips) {
                    expect(contains(nc, ip)).toBe(true);
                    expect([fromNumber(nc.base), net.gateway, fromNumber(nc.base + nc.size - 1)]).not.toContain(ip);
                }
                for (const ip of wgs) {
                    expect(contains(wc, ip)).toBe(true);
                    expect([fromNumber(wc.base), fromNumber(wc.base + wc.size - 1)]).not.toContain(ip);
                }
            }),
            { numRuns: 300 },
        );
    });

    it("never moves an existing node when the cluster grows", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 63 }), fc.integer({ min: 1, max: 10 }), (n, more) => {
                const m = Math.min(64, n + more);
                const small = planNodes("p", "s", config({ nodeCount: n }));
                const big = planNodes("p", "s", config({ nodeCount: m }));
                expect(big.slice(0, n)).toEqual(small);
            }),
        );
    });

    it("names nodes cluster-node-N and libvirt objects <project>-<stack>-...", () => {
        const [n1, n2] = planNodes("clusteros-lab", "ci", config({ nodeCount: 2 }));
        expect(n1.hostname).toBe("cluster-node-1");
        expect(n2.domainName).toBe("clusteros-lab-ci-node-2");
        expect(n1.ip).toBe("10.77.0.10");
        expect(n2.wireguardIp).toBe("10.78.0.2");
        expect(hostname(7)).toBe("cluster-node-7");
        expect(planNetwork("clusteros-lab", "ci", asCidr("10.79.0.0/24")).name).toBe("clusteros-lab-ci-net");
    });

    it("keeps bridge names within Linux's 15 characters and distinct per stack", () => {
        const a = planNetwork("clusteros-lab", "a-very-long-stack-name", asCidr("10.1.0.0/24"));
        const b = planNetwork("clusteros-lab", "another-stack", asCidr("10.2.0.0/24"));
        expect(a.bridge.length).toBeLessThanOrEqual(15);
        expect(a.bridge).not.toBe(b.bridge);
    });

    it("makes locally administered QEMU MACs that differ between stacks", () => {
        expect(nodeMac("p", "s", 3)).toMatch(/^52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:03$/);
        expect(nodeMac("p", "s", 3)).not.toBe(nodeMac("p", "t", 3));
    });

    it("assigns the SLURM controller and K3s server roles from config", () => {
        const nodes = planNodes("p", "s", config({ nodeCount: 3, controllerNode: 2, k3sServerNode: 3 }));
        expect(nodes.filter((n) => n.slurmController).map((n) => n.index)).toEqual([2]);
        expect(nodes.filter((n) => n.k3sServer).map((n) => n.index)).toEqual([3]);
    });
});
