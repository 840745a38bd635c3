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
                // Pods and Services outside 10/8, where the generated networks are.
                const cfg = config({ nodeCount: n, nodeCidr: nodeNet, wireguardCidr: wgNet, podCidr: "172.16.0.0/16", serviceCidr: "192.168.0.0/16" });
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

    it("assigns the SLURM controller and Kubernetes server roles from config", () => {
        const nodes = planNodes("p", "s", config({ nodeCount: 3, controllerNode: 2, kubernetesServerNode: 3 }));
        expect(nodes.filter((n) => n.slurmController).map((n) => n.index)).toEqual([2]);
        expect(nodes.filter((n) => n.kubernetesServer).map((n) => n.index)).toEqual([3]);
        expect(nodes.map((n) => n.roles)).toEqual([
            ["slurm-worker", "kubernetes-agent"], ["slurm-controller", "kubernetes-agent"], ["slurm-worker", "kubernetes-server"],
        ]);
    });

    it("names the same Kubernetes roles for both distributions, and none when it is off", () => {
        const roles = (kubernetes: string) => planNodes("p", "s", config({ nodeCount: 2, slurm: false, kubernetes })).map((n) => n.roles);
        expect(roles("k3s")).toEqual([["kubernetes-server"], ["kubernetes-agent"]]);
        expect(roles("upstream")).toEqual([["kubernetes-server"], ["kubernetes-agent"]]);
        expect(roles("off")).toEqual([[], []]);
    });
});

/** Any pod range in 10/8 from /16 to /24, with room for its nodes. */
const podRangeArb = fc
    .tuple(fc.integer({ min: 16, max: 23 }), fc.integer({ min: 0, max: 2 ** 24 - 1 }))
    .map(([prefix, offset]) => {
        const size = 2 ** (32 - prefix);
        return `${fromNumber(toNumber("10.0.0.0") + Math.floor(offset / size) * size)}/${prefix}`;
    });

describe("pod subnets", () => {
    // Node and mesh networks outside 10/8, where the generated pod ranges are.
    const base = { nodeCidr: "192.168.10.0/24", wireguardCidr: "192.168.20.0/24", serviceCidr: "172.16.0.0/16" };

    it("gives node N the N-th /24 of podCidr", () => {
        const nodes = planNodes("p", "s", config({ nodeCount: 3 }));
        expect(nodes.map((n) => n.podSubnet)).toEqual(["10.244.1.0/24", "10.244.2.0/24", "10.244.3.0/24"]);
        const other = planNodes("p", "s", config({ nodeCount: 2, podCidr: "10.50.0.0/20" }));
        expect(other.map((n) => n.podSubnet)).toEqual(["10.50.1.0/24", "10.50.2.0/24"]);
    });

    it("keeps every node's /24 inside podCidr and distinct from the others'", () => {
        fc.assert(
            fc.property(podRangeArb, fc.integer({ min: 1, max: 64 }), (pods, want) => {
                const pc = asCidr(pods);
                const n = Math.min(want, 2 ** (24 - pc.prefix) - 1);
                const nodes = planNodes("p", "s", config({ ...base, nodeCount: n, podCidr: pods }));
                const subnets = nodes.map((x) => asCidr(x.podSubnet));
                expect(new Set(nodes.map((x) => x.podSubnet)).size).toBe(n);
                subnets.forEach((s, i) => {
                    expect(s.prefix).toBe(24);
                    expect(s.base).toBe(pc.base + (i + 1) * 256);
                    expect(contains(pc, s.address)).toBe(true);
                    expect(contains(pc, fromNumber(s.base + s.size - 1))).toBe(true);
                });
            }),
            { numRuns: 200 },
        );
    });

    it("never moves an existing node's pod subnet when the cluster grows", () => {
        fc.assert(
            fc.property(podRangeArb, fc.integer({ min: 1, max: 63 }), fc.integer({ min: 1, max: 10 }), (pods, want, more) => {
                const capacity = Math.min(64, 2 ** (24 - asCidr(pods).prefix) - 1);
                fc.pre(capacity > 1);
                const n = 1 + ((want - 1) % (capacity - 1));
                const m = Math.min(capacity, n + more);
                const small = planNodes("p", "s", config({ ...base, nodeCount: n, podCidr: pods }));
                const big = planNodes("p", "s", config({ ...base, nodeCount: m, podCidr: pods }));
                expect(big.slice(0, n).map((x) => x.podSubnet)).toEqual(small.map((x) => x.podSubnet));
            }),
        );
    });
});
