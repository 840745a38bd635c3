// The lab's Pulumi program: the stack's config validated, the cluster planned and declared,
// its outputs returned. This project's index.ts is this and nothing else; a ClusterOS
// repository's own program can be too (docs/FROM_YOUR_REPOSITORY.md), under its own project
// name, with its stacks' config under that name.
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { bareMetalOutput, bareMetalSeedsOutput } from "./bare-metal-output";
import { Cluster } from "./cluster";
import { HOST_KEY_OPTIONS } from "./exec/ssh";
import { findKubernetesBundle } from "./kubernetes-bundle";
import { cacheDir, PROJECT_ROOT } from "./plan/paths";
import { programDir } from "./program-dir";
import { planCluster } from "./plan/cluster-plan";
import { loadClusterConfig } from "./pulumi-config";

/** Declares the stack's cluster; returns the stack outputs. */
export function clusterProgram() {
    // Validation runs before anything is declared: invalid config creates nothing.
    const cfg = loadClusterConfig();
    const project = pulumi.getProject();
    const stack = pulumi.getStack();

    // In namespace mode the lab's scripts name the namespace: the printed commands enter it.
    // A repository's program (not this checkout's) has the lab as a package: `npx lab`.
    const access = {
        netns: process.env.CLUSTEROS_LAB_NETNS || undefined,
        hostKeyOptions: HOST_KEY_OPTIONS,
        labCommand: programDir() === PROJECT_ROOT ? "scripts/lab.sh" : "npx lab",
    };
    // Validation has checked that the bundle exists when the stack runs upstream Kubernetes.
    const bundle = cfg.kubernetes === "upstream" ? findKubernetesBundle() : undefined;
    const kubernetes = typeof bundle === "object" ? bundle : undefined;
    const plan = planCluster(project, stack, cfg, { read: (p) => fs.readFileSync(p), cacheDir: cacheDir(), kubernetes }, access);
    const cluster = new Cluster(`${project}-${stack}`, { plan });

    return {
        nodes: cluster.nodeOutputs,
        controller: plan.outputs.controller,
        // Who forms the cluster: lab (the stack's membership step) or agent (each node's agent).
        membership: plan.membership,
        adminUser: plan.outputs.adminUser,
        libvirtUri: plan.outputs.libvirtUri,
        network: plan.outputs.network,
        hosts: plan.outputs.hosts,
        image: { path: cluster.imagePath, hash: plan.image.hash },
        kubeconfig: plan.outputs.kubeconfig,
        // The node agent the stack gives its nodes and how: built from source (nodeAgentSource: its
        // source hash and the binary's sha256, which lab status compares with each node's), or a binary.
        nodeAgent: cfg.nodeAgentBuild
            ? { ...cfg.nodeAgentBuild, delivery: cfg.nodeAgentDelivery }
            : cfg.nodeAgentPath ? { path: cfg.nodeAgentPath, delivery: cfg.nodeAgentDelivery } : undefined,
        automationPrivateKey: cluster.automationPrivateKey,
        // The network pre-seed for machines installed from the installer medium (make usb); never
        // given to the lab's VMs. Secret: it holds the WiFi PSK.
        bareMetal: bareMetalOutput(cfg.bareMetal),
        // The seed of each installed machine that joins the cluster (bareMetalNodes), by MAC: make usb
        // puts them on the medium and in the network boot tree. Secret: each holds the cluster key.
        bareMetalSeeds: bareMetalSeedsOutput(plan.bareMetalSeeds, cluster.secrets),
        // The provisioning network (netbootCidr): its bridge, for a machine's NIC, and the boot server.
        netboot: plan.outputs.netboot,
    };
}
