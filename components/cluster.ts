// Cluster: the whole stack, declared from its plan (components/plan/cluster-plan.ts). On each
// libvirt host a dir pool, a network of its own and the base volume; the node image, the
// secrets, the WireGuard mesh and the nodes; on the main host, the provisioning network if the
// stack has one (components/netboot-network.ts). Nodes are created in parallel; `pulumi up`
// ends when every node's membership step has finished. With membership=agent there is no
// mesh and no membership step: `pulumi up` ends when every node's agent reports it ready.
import * as libvirt from "@pulumi/libvirt";
import * as pulumi from "@pulumi/pulumi";
import { NodeImage } from "./image";
import { netbootNetwork } from "./netboot-network";
import { ClusterNode } from "./node";
import { ClusterPlan, HostPlan, NodeOutput } from "./plan/cluster-plan";
import { MAIN_HOST } from "./plan/hosts";
import { ClusterSecrets } from "./secrets";
import { WireGuardMesh } from "./wireguard";

export interface ClusterArgs {
    plan: ClusterPlan;
}

export class Cluster extends pulumi.ComponentResource {
    readonly nodeOutputs: NodeOutput<pulumi.Output<string>>[];
    readonly automationPrivateKey: pulumi.Output<string>;
    readonly secrets: ClusterSecrets;
    /** membership=lab only: with "agent" the node agents make their own keys. */
    readonly mesh?: WireGuardMesh;
    readonly imagePath: pulumi.Output<string>;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusteros:lab:Cluster", name, {}, opts);
        const { plan } = args;
        const o = { parent: this };
        const image = new NodeImage(`${name}-image`, { image: plan.image }, o);
        this.imagePath = image.imagePath;
        // Each host gets the stack's pool, network and base volume (the image uploaded to
        // it). The main host's resources keep the names a one-host stack has always had.
        const onHost = new Map(plan.hosts.map((h) => [h.name, this.host(h.name === MAIN_HOST ? name : `${name}-${h.name}`, h, plan, image)]));
        if (plan.netboot) netbootNetwork(`${name}-netboot`, plan.netboot, { parent: this, provider: onHost.get(MAIN_HOST)!.provider });

        const secrets = new ClusterSecrets(`${name}-secrets`, plan.automationKeyComment, plan.kubernetesCa, o);
        this.secrets = secrets;
        this.automationPrivateKey = secrets.automationPrivateKey;
        const mesh = plan.membership === "lab" ? new WireGuardMesh(`${name}-wireguard`, plan.nodes.length, o) : undefined;
        this.mesh = mesh;
        const publicKeys = pulumi.all((mesh?.keys ?? []).map((k) => k.publicKey));
        const noKey = pulumi.output("");

        // A node whose membership waits for another's is declared after it.
        const created = new Map<number, ClusterNode>();
        const firsts = plan.nodes.filter((s) => s.membershipAfter === undefined);
        for (const spec of [...firsts, ...plan.nodes.filter((s) => !firsts.includes(s))]) {
            const key = mesh?.keys[spec.node.index - 1];
            const cloudInit = pulumi
                .all([key?.privateKey ?? noKey, secrets.mungeKey, secrets.kubernetesToken, secrets.kubernetesCa, secrets.clusterKey, secrets.automationPublicKey])
                .apply(([wg, munge, token, ca, clusterKey, automationPublicKey]) => spec.cloudInit(
                    { wireguardPrivateKey: wg, mungeKey: munge, kubernetes: { token, ca }, clusterKey }, automationPublicKey));
            const after = spec.membershipAfter === undefined ? undefined : created.get(spec.membershipAfter);
            const host = onHost.get(spec.node.host)!;
            const node = new ClusterNode(`${name}-node-${spec.node.index}`, {
                domain: spec.domain,
                hostname: spec.node.hostname,
                ip: spec.node.ip,
                mac: spec.node.mac,
                sshUser: spec.sshUser,
                poolName: host.pool.name,
                seedDir: plan.seedDir,
                networkId: host.network.id,
                baseVolumeId: host.baseVolume.id,
                cloudInit: pulumi.secret(cloudInit),
                membership: spec.membership ? publicKeys.apply((keys) => spec.membership!(keys)) : undefined,
                readiness: spec.readiness,
                automationPrivateKey: secrets.automationPrivateKey,
                membershipAfter: after?.membership ? [after.membership] : [],
                liveAgent: spec.liveAgent,
            }, { parent: this, providers: { libvirt: host.provider } });
            created.set(spec.node.index, node);
        }

        this.nodeOutputs = plan.nodes.map((spec) => ({
            ...spec.output,
            // With membership=agent the key is the agent's: `lab status` asks the node.
            wireguardPublicKey: mesh?.keys[spec.node.index - 1].publicKey ?? noKey,
        }));
        this.registerOutputs({});
    }

    /** A host's provider, pool, network and base volume. */
    private host(prefix: string, h: HostPlan, plan: ClusterPlan, image: NodeImage): OnHost {
        const provider = new libvirt.Provider(`${prefix}-libvirt`, { uri: h.libvirtUri }, { parent: this });
        const lv = { parent: this, provider };
        const pool = new libvirt.Pool(`${prefix}-pool`, {
            name: plan.pool.name,
            type: "dir",
            target: { path: plan.pool.dir },
        }, lv);
        const net = h.network;
        const network = new libvirt.Network(`${prefix}-network`, {
            name: net.name,
            mode: net.mode,
            bridge: net.bridge,
            domain: net.domain,
            addresses: [net.cidr],
            autostart: false,
            dhcp: { enabled: false },
            dns: { enabled: true, localOnly: true },
        }, lv);
        const baseVolume = new libvirt.Volume(`${prefix}-base`, {
            name: plan.baseVolumeName,
            pool: pool.name,
            source: image.imagePath,
            format: "qcow2",
        }, lv);
        return { provider, pool, network, baseVolume };
    }
}

interface OnHost {
    provider: libvirt.Provider;
    pool: libvirt.Pool;
    network: libvirt.Network;
    baseVolume: libvirt.Volume;
}
