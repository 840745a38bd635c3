// planCluster: the whole stack as data, before any resource exists.
import { describe, expect, it } from "vitest";
import { planCluster, PlanFiles } from "../../components/plan/cluster-plan";
import { config } from "./helpers";

const files: PlanFiles = { read: (p) => Buffer.from(`content of ${p}`), cacheDir: "/cache" };
const SECRETS = { wireguardPrivateKey: "wg", mungeKey: "bXVuZ2U=", k3sToken: "token", clusterKey: "key" };

describe("planCluster", () => {
    const plan = planCluster("clusteros-lab", "ci", config({ nodeCount: 3, controllerNode: 2, k3s: true, k3sServerNode: 3 }), files, { netns: "lab-ns" });

    it("names every libvirt object after project and stack", () => {
        expect(plan.pool).toEqual({ name: "clusteros-lab-ci-pool", dir: "/var/lib/libvirt/images/clusteros-lab-ci" });
        expect(plan.network.name).toBe("clusteros-lab-ci-net");
        expect(plan.baseVolumeName).toBe(`clusteros-lab-ci-base-${plan.image.hash}.qcow2`);
        expect(plan.nodes.map((n) => n.domain.name)).toEqual([1, 2, 3].map((i) => `clusteros-lab-ci-node-${i}`));
    });

    it("builds the image into the cache, keyed by the hash of what it reads", () => {
        expect(plan.image.kind).toBe("build");
        expect(plan.image.path).toBe(`/cache/images/debian-12-${plan.image.hash}/clusteros-node.qcow2`);
        const other = planCluster("clusteros-lab", "ci", config({ nodeCount: 3 }), { ...files, read: (p) => Buffer.from(`changed ${p}`) });
        expect(other.image.hash).not.toBe(plan.image.hash);
    });

    it("orders membership after the SLURM controller's, and gives roles and outputs", () => {
        expect(plan.nodes.map((n) => n.membershipAfter)).toEqual([2, undefined, 2]);
        expect(plan.nodes.map((n) => n.output.roles)).toEqual([
            ["slurm-worker", "k3s-agent"], ["slurm-controller", "k3s-agent"], ["slurm-worker", "k3s-server"],
        ]);
        expect(plan.outputs.controller).toBe("cluster-node-2");
        expect(plan.nodes[0].output.ssh).toBe("ip netns exec lab-ns ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null clusteros@10.77.0.10");
        expect(plan.outputs.k3sKubeconfig).toContain("clusteros@10.77.0.12 sudo cat /etc/rancher/k3s/k3s.yaml");
    });

    it("renders each node's documents from the secrets it is given", () => {
        const docs = plan.nodes[2].cloudInit(SECRETS, "ssh-ed25519 AAAA auto");
        expect(docs.userData).toContain("hostname: cluster-node-3");
        expect(plan.nodes[0].membership(["k1", "k2", "k3"]).data.peersConf).toContain("PublicKey = k2");
    });

    it("leaves the SLURM ordering out when SLURM is off", () => {
        const off = planCluster("clusteros-lab", "ci", config({ nodeCount: 2, slurm: false }), files);
        expect(off.nodes.map((n) => n.membershipAfter)).toEqual([undefined, undefined]);
    });
});
