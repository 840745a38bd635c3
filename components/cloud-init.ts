// The cloud-init documents of one node: user-data, meta-data, network-config. Pure: all
// inputs, secrets included, arrive as plain values (the component calls this inside an
// apply, keeping the result secret). Only node identity goes in here, never membership.
import { NetworkPlan, NodePlan } from "./addressing";
import { ClusterConfig } from "./config";
import { b64, render } from "./templates";

export interface NodeSecrets {
    wireguardPrivateKey: string;
    /** base64 of the 1024-byte munge key. */
    mungeKey: string;
    k3sToken: string;
    clusterKey: string;
}

export interface CloudInitInput {
    node: NodePlan;
    network: NetworkPlan;
    cfg: ClusterConfig;
    /** The K3s server's WireGuard address (agents join it). */
    k3sServerWireguardIp: string;
    automationPublicKey: string;
    secrets: NodeSecrets;
}

export interface CloudInitDocs {
    userData: string;
    metaData: string;
    networkConfig: string;
}

interface WrittenFile {
    path: string;
    mode: string;
    owner: string;
    content: string;
}

function file(path: string, mode: string, owner: string, text: string): WrittenFile {
    return { path, mode, owner, content: b64(text) };
}

function roles(node: NodePlan, cfg: ClusterConfig): string[] {
    const r: string[] = [];
    if (cfg.slurm) r.push(node.slurmController ? "slurm-controller" : "slurm-worker");
    if (cfg.k3s) r.push(node.k3sServer ? "k3s-server" : "k3s-agent");
    return r;
}

export function renderCloudInit(input: CloudInitInput): CloudInitDocs {
    const { node, network, cfg, secrets } = input;
    const files: WrittenFile[] = [
        file("/etc/wireguard/wg0.conf", "0600", "root:root", render("files/wg0.conf.mustache", {
            hostname: node.hostname, privateKey: secrets.wireguardPrivateKey, address: node.wireguardIp,
            prefix: cfg.wireguardCidr.prefix, port: cfg.wireguardPort,
        })),
        file("/etc/clusteros/node-agent.env", "0600", "root:root", render("files/node-agent.env.mustache", {
            nodeId: node.domainName, hostname: node.hostname, index: node.index, clusterKey: secrets.clusterKey,
            ip: node.ip, wireguardIp: node.wireguardIp, roles: roles(node, cfg).join(","),
        })),
    ];
    // WireGuard, munge and the node agent need no command: the image enables them, ordered
    // after cloud-init has written their files (images/common/systemd).
    const runcmd: string[] = [];
    if (cfg.slurm) {
        files.push({ path: "/etc/munge/munge.key", mode: "0400", owner: "munge:munge", content: secrets.mungeKey });
        if (node.slurmController) {
            files.push(file("/etc/clusteros/slurm-controller", "0644", "root:root", "slurmctld runs here\n"));
        }
    }
    if (cfg.k3s) {
        const server = node.k3sServer;
        const k3sView = {
            hostname: node.hostname, server, role: server ? "server" : "agent", ip: node.ip,
            wireguardIp: node.wireguardIp, serverWireguardIp: input.k3sServerWireguardIp, token: secrets.k3sToken,
            unit: server ? "k3s" : "k3s-agent", command: server ? "server" : "agent",
        };
        files.push(
            file("/etc/rancher/k3s/config.yaml", "0600", "root:root", render("files/k3s-config.yaml.mustache", k3sView)),
            file("/usr/local/sbin/clusteros-k3s-start", "0755", "root:root", render("files/k3s-start.sh.mustache", k3sView)),
        );
        runcmd.push("/usr/local/sbin/clusteros-k3s-start");
    }

    const sshKeys = [input.automationPublicKey, ...cfg.sshPublicKeys].map((k) => ({ json: JSON.stringify(k) }));
    return {
        userData: render("user-data.yaml.mustache", {
            hostname: node.hostname, fqdn: node.fqdn, adminUser: cfg.adminUser, sshKeys, files,
            runcmd: runcmd.length ? { commands: runcmd.map((c) => ({ json: JSON.stringify(c) })) } : false,
        }),
        metaData: render("meta-data.yaml.mustache", { instanceId: node.domainName, hostname: node.hostname }),
        networkConfig: render("network-config.yaml.mustache", {
            mac: node.mac, ip: node.ip, prefix: network.prefix, gateway: network.gateway, domain: network.domain,
        }),
    };
}
