// ClusterOS Lab: a declarative N-node test cluster on libvirt. See README.md.
import * as pulumi from "@pulumi/pulumi";
import { sshCommand } from "./components/access";
import { bareMetalOutput } from "./components/bare-metal";
import { Cluster } from "./components/cluster";
import { loadClusterConfig } from "./components/pulumi-config";

// Validation runs before anything is declared: invalid config creates nothing.
const cfg = loadClusterConfig();
const project = pulumi.getProject();
const stack = pulumi.getStack();

// In namespace mode the lab's scripts name the namespace: the printed commands enter it.
const access = { netns: process.env.CLUSTEROS_LAB_NETNS || undefined };
const cluster = new Cluster(`${project}-${stack}`, { project, stack, cfg, access });

export const nodes = cluster.nodeOutputs;
export const controller = cluster.nodes.find((n) => n.slurmController)?.hostname;
export const adminUser = cfg.adminUser;
export const libvirtUri = cfg.libvirtUri;
export const network = cluster.networkName;
export const image = { path: cluster.imagePath, hash: cluster.imageHash };
export const k3sKubeconfig = cfg.k3s
    ? `${sshCommand(access, cfg.adminUser, cluster.nodes.find((n) => n.k3sServer)!.ip)} sudo cat /etc/rancher/k3s/k3s.yaml`
    : "K3s is off for this stack (config key k3s)";
export const automationPrivateKey = cluster.automationPrivateKey;
// The network pre-seed for machines installed from the installer medium (make usb); never
// given to the lab's VMs. Secret: it holds the WiFi PSK.
export const bareMetal = bareMetalOutput(cfg.bareMetal);
