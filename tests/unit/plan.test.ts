// planCluster: the whole stack as data, before any resource exists.
import { describe, expect, it } from "vitest";
import { HOST_KEY_OPTIONS } from "../../components/exec/ssh";
import { planCluster, PlanFiles } from "../../components/plan/cluster-plan";
import { parse } from "yaml";
import { config } from "./helpers";

const BUNDLE = { dir: "/nonexistent/kubernetes-0123abcd", version: "v1.37.2" };
const files: PlanFiles = { read: (p) => Buffer.from(`content of ${p}`), cacheDir: "/cache" };
const SECRETS = { wireguardPrivateKey: "wg", mungeKey: "bXVuZ2U=", kubernetes: { token: "0123456789abcdef0123456789abcdef" }, clusterKey: "key" };

describe("planCluster", () => {
    const plan = planCluster("clusteros-lab", "ci", config({ nodeCount: 3, controllerNode: 2, kubernetes: "k3s", kubernetesServerNode: 3 }), files, { netns: "lab-ns", hostKeyOptions: HOST_KEY_OPTIONS });

    it("names every libvirt object after project and stack", () => {
        expect(plan.pool).toEqual({ name: "clusteros-lab-ci-pool", dir: "/var/lib/libvirt/images/clusteros-lab-ci" });
        expect(plan.hosts.map((h) => [h.name, h.network.name, h.network.mode])).toEqual([["main", "clusteros-lab-ci-net", "nat"]]);
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
            ["slurm-worker", "kubernetes-agent"], ["slurm-controller", "kubernetes-agent"], ["slurm-worker", "kubernetes-server"],
        ]);
        expect(plan.outputs.controller).toBe("cluster-node-2");
        expect(plan.nodes[0].output.ssh).toBe("ip netns exec lab-ns ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null clusteros@10.77.0.10");
        expect(plan.outputs.kubeconfig).toMatch(/clusteros@10\.77\.0\.12 "sudo sed .*https:\/\/10\.77\.0\.12:6443.* \/etc\/rancher\/k3s\/k3s\.yaml"$/);
    });

    it("renders each node's documents from the secrets it is given", () => {
        const docs = plan.nodes[2].cloudInit(SECRETS, "ssh-ed25519 AAAA auto");
        expect(docs.userData).toContain("hostname: cluster-node-3");
        expect(plan.nodes[0].membership!(["k1", "k2", "k3"]).data.peersConf).toContain("PublicKey = k2");
    });

    it("tells how to fetch upstream's admin kubeconfig from the server, and says when Kubernetes is off", () => {
        const upstream = planCluster("clusteros-lab", "ci", config({ nodeCount: 3, kubernetes: "upstream", kubernetesServerNode: 2 }),
            { ...files, kubernetes: BUNDLE }, { netns: "lab-ns" });
        expect(upstream.outputs.kubeconfig).toMatch(/clusteros@10\.77\.0\.11 "sudo sed .*https:\/\/10\.77\.0\.11:6443.* \/etc\/kubernetes\/admin\.conf"$/);
        const off = planCluster("clusteros-lab", "ci", config({ nodeCount: 3, kubernetes: "off" }), files);
        expect(off.outputs.kubeconfig).toBe("Kubernetes is off for this stack (config key kubernetes)");
    });

    it("gives the cluster a CA of its own and bakes the bundle into the image only with upstream Kubernetes", () => {
        expect(plan.kubernetesCa).toBe(false);
        expect(plan.image.kind === "build" && plan.image.argv).not.toContain("--kubernetes-bundle");
        const upstream = planCluster("clusteros-lab", "ci", config({ kubernetes: "upstream" }), { ...files, kubernetes: BUNDLE });
        expect(upstream.kubernetesCa).toBe(true);
        expect(upstream.image.kind === "build" && upstream.image.argv.join(" ")).toContain(`--kubernetes-bundle ${BUNDLE.dir}`);
        expect(upstream.image.hash).not.toBe(plan.image.hash);
        // The bundle's version is what kubeadm is told to run.
        const docs = upstream.nodes[0].cloudInit({ ...SECRETS, kubernetes: { ...SECRETS.kubernetes, ca: { certPem: "CERT", keyPem: "KEY" } } }, "ssh-ed25519 AAAA auto");
        expect(docs.userData).toContain("/etc/kubernetes/kubeadm.yaml");
        expect(Buffer.from(parse(docs.userData).write_files.find((f: { path: string }) => f.path === "/etc/kubernetes/kubeadm.yaml").content, "base64")
            .toString()).toContain("kubernetesVersion: v1.37.2");
    });

    it("leaves the SLURM ordering out when SLURM is off", () => {
        const off = planCluster("clusteros-lab", "ci", config({ nodeCount: 2, slurm: false }), files);
        expect(off.nodes.map((n) => n.membershipAfter)).toEqual([undefined, undefined]);
    });
});
