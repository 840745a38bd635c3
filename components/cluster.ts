// Cluster: the whole stack. A dir pool and a NAT network of its own, the node image and
// its base volume, the secrets, the WireGuard mesh and the nodes. Nodes are created in
// parallel; `pulumi up` ends when every node's membership step has finished.
import * as libvirt from "@pulumi/libvirt";
import * as pulumi from "@pulumi/pulumi";
import { Access, sshCommand, vncCommand } from "./access";
import { libvirtName, NodePlan, planNetwork, planNodes } from "./addressing";
import { renderCloudInit } from "./cloud-init";
import { ClusterConfig } from "./config";
import { NodeImage } from "./image";
import { planMembership } from "./membership";
import { ClusterNode } from "./node";
import { planLiveAgent } from "./node-agent";
import { poolDir, seedDir } from "./paths";
import { ClusterSecrets } from "./secrets";
import { WireGuardMesh } from "./wireguard";

export interface ClusterArgs {
    project: string;
    stack: string;
    cfg: ClusterConfig;
    /** Where nodes are reachable from; only shapes the commands the outputs print. */
    access?: Access;
}

export interface NodeOutput {
    name: string;
    domain: string;
    ip: string;
    wireguardIp: string;
    wireguardPublicKey: pulumi.Output<string>;
    ssh: string;
    vncDisplay: string;
    serialLog: string;
    roles: string[];
}

export class Cluster extends pulumi.ComponentResource {
    readonly nodes: NodePlan[];
    readonly nodeOutputs: NodeOutput[];
    readonly automationPrivateKey: pulumi.Output<string>;
    readonly secrets: ClusterSecrets;
    readonly mesh: WireGuardMesh;
    readonly imagePath: pulumi.Output<string>;
    readonly imageHash: string;
    readonly networkName: string;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusteros:lab:Cluster", name, {}, opts);
        const { project, stack, cfg } = args;
        const o = { parent: this };
        const prefix = libvirtName(project, stack, "");
        const nameOf = (thing: string) => libvirtName(project, stack, thing);
        const provider = new libvirt.Provider(`${name}-libvirt`, { uri: cfg.libvirtUri }, o);
        const lv = { parent: this, provider };

        const pool = new libvirt.Pool(`${name}-pool`, {
            name: nameOf("pool"),
            type: "dir",
            target: { path: poolDir(prefix.replace(/-$/, "")) },
        }, lv);

        const net = planNetwork(project, stack, cfg.nodeCidr);
        this.networkName = net.name;
        const network = new libvirt.Network(`${name}-network`, {
            name: net.name,
            mode: "nat",
            bridge: net.bridge,
            domain: net.domain,
            addresses: [net.cidr],
            autostart: false,
            dhcp: { enabled: false },
            dns: { enabled: true, localOnly: true },
        }, lv);

        const image = new NodeImage(`${name}-image`, { cfg }, o);
        this.imagePath = image.imagePath;
        this.imageHash = image.hash;
        // Volume names carry the image hash: a new image is a new base, the old one stays
        // until the nodes on it are gone.
        const tag = image.hash || "prebuilt";
        const baseVolume = new libvirt.Volume(`${name}-base`, {
            name: nameOf(`base-${tag}.qcow2`),
            pool: pool.name,
            source: image.imagePath,
            format: "qcow2",
        }, lv);

        const secrets = new ClusterSecrets(`${name}-secrets`, `${prefix}automation`, o);
        this.secrets = secrets;
        this.automationPrivateKey = secrets.automationPrivateKey;
        const mesh = new WireGuardMesh(`${name}-wireguard`, cfg.nodeCount, o);
        this.mesh = mesh;

        this.nodes = planNodes(project, stack, cfg);
        const k3sServer = this.nodes.find((n) => n.k3sServer) ?? this.nodes[0];
        const publicKeys = pulumi.all(mesh.keys.map((k) => k.publicKey));

        const order = [...this.nodes].sort((a, b) => Number(b.slurmController) - Number(a.slurmController));
        const created = new Map<number, ClusterNode>();
        for (const plan of order) {
            const key = mesh.keys[plan.index - 1];
            const cloudInit = pulumi
                .all([key.privateKey, secrets.mungeKey, secrets.k3sToken, secrets.clusterKey, secrets.automationPublicKey])
                .apply(([wg, munge, token, clusterKey, automationPublicKey]) => renderCloudInit({
                    node: plan, network: net, cfg, k3sServerWireguardIp: k3sServer.wireguardIp, automationPublicKey,
                    secrets: { wireguardPrivateKey: wg, mungeKey: munge, k3sToken: token, clusterKey },
                }));
            const membership = publicKeys.apply((keys) => planMembership(plan, this.nodes, keys, cfg));
            // slurmd registers with slurmctld: the controller learns about nodes first.
            const controller = plan.slurmController ? undefined : created.get(cfg.controllerNode);
            const node = new ClusterNode(`${name}-node-${plan.index}`, {
                plan, cfg,
                poolName: pool.name,
                seedDir: seedDir(prefix.replace(/-$/, "")),
                networkId: network.id,
                baseVolumeId: baseVolume.id,
                cloudInit: pulumi.secret(cloudInit),
                membership,
                automationPrivateKey: secrets.automationPrivateKey,
                membershipAfter: controller && cfg.slurm ? [controller.membership] : [],
                liveAgent: cfg.nodeAgentDelivery === "live" && cfg.nodeAgentPath
                    ? planLiveAgent(plan, cfg.nodeAgentPath) : undefined,
            }, { parent: this, providers: { libvirt: provider } });
            created.set(plan.index, node);
        }

        this.nodeOutputs = this.nodes.map((plan) => {
            const node = created.get(plan.index)!;
            return {
                name: plan.hostname,
                domain: plan.domainName,
                ip: plan.ip,
                wireguardIp: plan.wireguardIp,
                wireguardPublicKey: mesh.keys[plan.index - 1].publicKey,
                ssh: sshCommand(args.access ?? {}, cfg.adminUser, plan.ip),
                vncDisplay: vncCommand(stack, plan.index),
                serialLog: node.serialLog,
                roles: [
                    ...(cfg.slurm ? [plan.slurmController ? "slurm-controller" : "slurm-worker"] : []),
                    ...(cfg.k3s ? [plan.k3sServer ? "k3s-server" : "k3s-agent"] : []),
                ],
            };
        });
        this.registerOutputs({});
    }
}
