// ClusterOS Lab: a declarative N-node test cluster on libvirt. See README.md.
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { bareMetalOutput } from "./components/bare-metal-output";
import { Cluster } from "./components/cluster";
import { HOST_KEY_OPTIONS } from "./components/exec/ssh";
import { findKubernetesBundle } from "./components/kubernetes-bundle";
import { cacheDir } from "./components/plan/paths";
import { planCluster } from "./components/plan/cluster-plan";
import { loadClusterConfig } from "./components/pulumi-config";

// Validation runs before anything is declared: invalid config creates nothing.
const cfg = loadClusterConfig();
const project = pulumi.getProject();
const stack = pulumi.getStack();

// In namespace mode the lab's scripts name the namespace: the printed commands enter it.
const access = { netns: process.env.CLUSTEROS_LAB_NETNS || undefined, hostKeyOptions: HOST_KEY_OPTIONS };
// Validation has checked that the bundle exists when the stack runs upstream Kubernetes.
const bundle = cfg.kubernetes === "upstream" ? findKubernetesBundle() : undefined;
const kubernetes = typeof bundle === "object" ? bundle : undefined;
const plan = planCluster(project, stack, cfg, { read: (p) => fs.readFileSync(p), cacheDir: cacheDir(), kubernetes }, access);
const cluster = new Cluster(`${project}-${stack}`, { plan });

export const nodes = cluster.nodeOutputs;
export const controller = plan.outputs.controller;
// Who forms the cluster: lab (the stack's membership step) or agent (each node's agent).
export const membership = plan.membership;
export const adminUser = plan.outputs.adminUser;
export const libvirtUri = plan.outputs.libvirtUri;
export const network = plan.outputs.network;
export const hosts = plan.outputs.hosts;
export const image = { path: cluster.imagePath, hash: plan.image.hash };
export const kubeconfig = plan.outputs.kubeconfig;
// The node agent the stack gives its nodes and how: built from source (nodeAgentSource: its
// source hash and the binary's sha256, which lab status compares with each node's), or a binary.
export const nodeAgent = cfg.nodeAgentBuild
    ? { ...cfg.nodeAgentBuild, delivery: cfg.nodeAgentDelivery }
    : cfg.nodeAgentPath ? { path: cfg.nodeAgentPath, delivery: cfg.nodeAgentDelivery } : undefined;
export const automationPrivateKey = cluster.automationPrivateKey;
// The network pre-seed for machines installed from the installer medium (make usb); never
// given to the lab's VMs. Secret: it holds the WiFi PSK.
export const bareMetal = bareMetalOutput(cfg.bareMetal);
