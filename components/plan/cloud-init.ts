// The cloud-init documents of one node: user-data, meta-data, network-config. Pure: all
// inputs, secrets included, arrive as plain values (the component calls this inside an
// apply, keeping the result secret). Only node identity goes in here, never membership.
import { NetworkPlan, NodePlan } from "./addressing";
import { ClusterConfig } from "./config";
import { b64, fillYaml, render, template, toYaml } from "./templates";

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
    cfg: Pick<ClusterConfig, "wireguardCidr" | "wireguardPort" | "slurm" | "k3s" | "adminUser" | "sshPublicKeys">;
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
    permissions: string;
    owner: string;
    encoding: "b64";
    content: string;
}

function file(path: string, permissions: string, owner: string, text: string): WrittenFile {
    return { path, permissions, owner, encoding: "b64", content: b64(text) };
}

/** K3s's own config.yaml: traffic between nodes goes over WireGuard. */
function k3sConfig(node: NodePlan, serverWireguardIp: string, token: string): object {
    return {
        ...(node.k3sServer
            ? { "write-kubeconfig-mode": "0644", "tls-san": [node.ip, node.wireguardIp] }
            : { server: `https://${serverWireguardIp}:6443` }),
        token,
        "node-ip": node.wireguardIp,
        "node-external-ip": node.ip,
        "flannel-iface": "wg0",
    };
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
            ip: node.ip, wireguardIp: node.wireguardIp, roles: node.roles.join(","),
        })),
    ];
    // WireGuard, munge and the node agent need no command: the image enables them, ordered
    // after cloud-init has written their files (images/common/systemd).
    const runcmd: string[] = [];
    if (cfg.slurm) {
        files.push({ path: "/etc/munge/munge.key", permissions: "0400", owner: "munge:munge", encoding: "b64", content: secrets.mungeKey });
        if (node.slurmController) {
            files.push(file("/etc/clusteros/slurm-controller", "0644", "root:root", "slurmctld runs here\n"));
        }
    }
    if (cfg.k3s) {
        const role = { hostname: node.hostname, role: node.k3sServer ? "server" : "agent", unit: node.k3sServer ? "k3s" : "k3s-agent" };
        files.push(
            file("/etc/rancher/k3s/config.yaml", "0600", "root:root",
                toYaml(k3sConfig(node, input.k3sServerWireguardIp, secrets.k3sToken), `K3s ${role.role} configuration of ${node.hostname}.`)),
            file("/etc/clusteros/k3s.env", "0644", "root:root", render("files/k3s.env.mustache", role)),
            file("/etc/clusteros/k3s.service", "0644", "root:root", render("files/k3s.service.mustache", role)),
            file("/usr/local/sbin/clusteros-k3s-start", "0755", "root:root", template("files/k3s-start.sh")),
        );
        runcmd.push("/usr/local/sbin/clusteros-k3s-start");
    }

    return {
        userData: fillYaml("user-data.yaml", [
            [["hostname"], node.hostname],
            [["fqdn"], node.fqdn],
            [["users", 0, "name"], cfg.adminUser],
            [["users", 0, "ssh_authorized_keys"], [input.automationPublicKey, ...cfg.sshPublicKeys]],
            [["write_files"], files],
            ...(runcmd.length ? [[["runcmd"], runcmd] as [string[], unknown]] : []),
        ]),
        metaData: toYaml({ "instance-id": node.domainName, "local-hostname": node.hostname }),
        networkConfig: fillYaml("network-config.yaml", [
            [["ethernets", "primary", "match", "macaddress"], node.mac],
            [["ethernets", "primary", "addresses"], [`${node.ip}/${network.prefix}`]],
            [["ethernets", "primary", "routes", 0, "via"], network.gateway],
            [["ethernets", "primary", "nameservers", "addresses"], [network.gateway]],
            [["ethernets", "primary", "nameservers", "search"], [network.domain]],
        ]),
    };
}
