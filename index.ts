// ClusterOS Lab: a declarative N-node test cluster on libvirt. See README.md.
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "./components/cluster";
import { loadClusterConfig } from "./components/pulumi-config";

// Validation runs before anything is declared: invalid config creates nothing.
const cfg = loadClusterConfig();
const project = pulumi.getProject();
const stack = pulumi.getStack();

const cluster = new Cluster(`${project}-${stack}`, { project, stack, cfg });

export const nodes = cluster.nodeOutputs;
export const controller = cluster.nodes.find((n) => n.slurmController)?.hostname;
export const adminUser = cfg.adminUser;
export const libvirtUri = cfg.libvirtUri;
export const network = cluster.networkName;
export const image = { path: cluster.imagePath, hash: cluster.imageHash };
export const k3sKubeconfig = cfg.k3s
    ? `ssh ${cfg.adminUser}@${cluster.nodes.find((n) => n.k3sServer)?.ip} sudo cat /etc/rancher/k3s/k3s.yaml`
    : "K3s is off for this stack (config key k3s)";
export const automationPrivateKey = cluster.automationPrivateKey;
