// Cluster: the whole stack, declared from its plan (components/plan/cluster-plan.ts). A dir pool and a
// NAT network of its own, the node image and its base volume, the secrets, the WireGuard
// mesh and the nodes. Nodes are created in parallel; `pulumi up` ends when every node's
// membership step has finished.
import * as libvirt from "@pulumi/libvirt";
import * as pulumi from "@pulumi/pulumi";
import { NodeImage } from "./image";
import { ClusterNode } from "./node";
import { ClusterPlan, NodeOutput } from "./plan/cluster-plan";
import { ClusterSecrets } from "./secrets";
import { WireGuardMesh } from "./wireguard";

export interface ClusterArgs {
    plan: ClusterPlan;
}

export class Cluster extends pulumi.ComponentResource {
    readonly nodeOutputs: NodeOutput<pulumi.Output<string>>[];
    readonly automationPrivateKey: pulumi.Output<string>;
    readonly secrets: ClusterSecrets;
    readonly mesh: WireGuardMesh;
    readonly imagePath: pulumi.Output<string>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusteros:lab:Cluster", name, {}, opts);
        const { plan } = args;
        const o = { parent: this };
        const provider = new libvirt.Provider(`${name}-libvirt`, { uri: plan.libvirtUri }, o);
        const lv = { parent: this, provider };

        const pool = new libvirt.Pool(`${name}-pool`, {
            name: plan.pool.name,
            type: "dir",
            target: { path: plan.pool.dir },
        }, lv);

        const net = plan.network;
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

        const image = new NodeImage(`${name}-image`, { image: plan.image }, o);
        this.imagePath = image.imagePath;
        const baseVolume = new libvirt.Volume(`${name}-base`, {
            name: plan.baseVolumeName,
            pool: pool.name,
            source: image.imagePath,
            format: "qcow2",
        }, lv);

        const secrets = new ClusterSecrets(`${name}-secrets`, plan.automationKeyComment, plan.kubernetesCa, o);
        this.secrets = secrets;
        this.automationPrivateKey = secrets.automationPrivateKey;
        const mesh = new WireGuardMesh(`${name}-wireguard`, plan.nodes.length, o);
        this.mesh = mesh;
        const publicKeys = pulumi.all(mesh.keys.map((k) => k.publicKey));

        // A node whose membership waits for another's is declared after it.
        const created = new Map<number, ClusterNode>();
        const firsts = plan.nodes.filter((s) => s.membershipAfter === undefined);
        for (const spec of [...firsts, ...plan.nodes.filter((s) => !firsts.includes(s))]) {
            const key = mesh.keys[spec.node.index - 1];
            const cloudInit = pulumi
                .all([key.privateKey, secrets.mungeKey, secrets.kubernetesToken, secrets.kubernetesCa, secrets.clusterKey, secrets.automationPublicKey])
                .apply(([wg, munge, token, ca, clusterKey, automationPublicKey]) => spec.cloudInit(
                    { wireguardPrivateKey: wg, mungeKey: munge, kubernetes: { token, ca }, clusterKey }, automationPublicKey));
            const after = spec.membershipAfter === undefined ? undefined : created.get(spec.membershipAfter);
            const node = new ClusterNode(`${name}-node-${spec.node.index}`, {
                domain: spec.domain,
                hostname: spec.node.hostname,
                ip: spec.node.ip,
                mac: spec.node.mac,
                sshUser: spec.sshUser,
                poolName: pool.name,
                seedDir: plan.seedDir,
                networkId: network.id,
                baseVolumeId: baseVolume.id,
                cloudInit: pulumi.secret(cloudInit),
                membership: publicKeys.apply((keys) => spec.membership(keys)),
                automationPrivateKey: secrets.automationPrivateKey,
                membershipAfter: after ? [after.membership] : [],
                liveAgent: spec.liveAgent,
            }, { parent: this, providers: { libvirt: provider } });
            created.set(spec.node.index, node);
        }

        this.nodeOutputs = plan.nodes.map((spec) => ({
            ...spec.output,
            wireguardPublicKey: mesh.keys[spec.node.index - 1].publicKey,
        }));
        this.registerOutputs({});
    }
}
