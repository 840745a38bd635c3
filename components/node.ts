// ClusterNode: one VM. A copy-on-write disk on the base volume, a NoCloud seed disk named by
// its content hash, the domain, and the membership step that configures the running node.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as libvirt from "@pulumi/libvirt";
import * as pulumi from "@pulumi/pulumi";
import { CloudInitDocs } from "./plan/cloud-init";
import { firmwareOf } from "./plan/firmware";
import { LiveAgentPlan } from "./plan/node-agent";
import { ReadinessPlan } from "./plan/agent-readiness";
import { DomainPlan } from "./plan/cluster-plan";
import { RemoteCommand } from "./providers/remote-command";
import { SeedIso } from "./providers/seed-iso";
import { renderFile } from "./plan/templates";

const DOMAIN_XSLT = path.join(__dirname, "xml", "domain.xsl.mustache");
/** Volumes that hold secrets (the seed; the node's disk once booted) are 0600, not the provider's 0644. */
const PRIVATE_VOLUME = { xslt: fs.readFileSync(path.join(__dirname, "xml", "private-volume.xsl"), "utf8") };

export interface ClusterNodeArgs {
    domain: DomainPlan;
    hostname: string;
    ip: string;
    mac: string;
    /** The login the membership and agent steps use over SSH. */
    sshUser: string;
    poolName: pulumi.Input<string>;
    /** Private directory where the node's seed ISO is built before upload. */
    seedDir: string;
    networkId: pulumi.Input<string>;
    baseVolumeId: pulumi.Input<string>;
    cloudInit: pulumi.Output<CloudInitDocs>;
    /** membership=lab: the step that applies the cluster's membership on the node. */
    membership?: pulumi.Output<{ hash: string; script: string; environment: Record<string, string> }>;
    /** membership=agent: the step that waits until the node agent reports the node ready. */
    readiness?: ReadinessPlan;
    automationPrivateKey: pulumi.Output<string>;
    /** Resources whose membership step must finish first (the SLURM controller's). */
    membershipAfter?: pulumi.Resource[];
    /** Node agent delivered to the running node (delivery = live). */
    liveAgent?: LiveAgentPlan;
}

/**
 * A component's URN as a plain value: an input that depends on a component waits for all of
 * its children, so a child given its parent's URN itself would wait for itself.
 */
function urnWithoutDependency(r: pulumi.Resource): pulumi.Output<string> {
    return pulumi.output(new Promise<string>((resolve) => r.urn.apply(resolve)));
}

export class ClusterNode extends pulumi.ComponentResource {
    readonly domain: libvirt.Domain;
    readonly boot: RemoteCommand;
    readonly membership?: RemoteCommand;
    readonly agentReady?: RemoteCommand;
    readonly nodeAgent?: RemoteCommand;
    readonly serialLog: string;

    constructor(name: string, args: ClusterNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusteros:lab:ClusterNode", name, {}, opts);
        const { domain: d } = args;
        const o = { parent: this };

        const disk = new libvirt.Volume(`${name}-disk`, {
            name: `${d.name}-disk.qcow2`,
            pool: args.poolName,
            baseVolumeId: args.baseVolumeId,
            format: "qcow2",
            size: d.diskBytes,
            xml: PRIVATE_VOLUME,
        }, o);

        // Named by content: a changed document is a new ISO, never a clash with the old name.
        // Built here and uploaded as a plain volume: nothing reads it back on refresh.
        const isoHash = pulumi.unsecret(args.cloudInit.apply((d) =>
            createHash("sha256").update(d.userData).update(d.metaData).update(d.networkConfig).digest("hex").slice(0, 12)));
        const isoName = pulumi.interpolate`${d.name}-cidata-${isoHash}.iso`;
        const seed = new SeedIso(`${name}-seed`, {
            dir: args.seedDir,
            fileName: isoName,
            userData: pulumi.secret(args.cloudInit.apply((d) => d.userData)),
            metaData: args.cloudInit.apply((d) => d.metaData),
            networkConfig: args.cloudInit.apply((d) => d.networkConfig),
        }, o);
        const cidata = new libvirt.Volume(`${name}-cidata`, {
            name: isoName,
            pool: args.poolName,
            source: seed.path,
            // What libvirt reports for an ISO 9660 file: anything else diffs on every refresh.
            format: "iso",
            xml: PRIVATE_VOLUME,
        }, o);

        this.serialLog = d.serialLog;
        this.domain = new libvirt.Domain(`${name}-domain`, {
            name: d.name,
            type: d.type,
            memory: d.memoryMiB,
            vcpu: d.vcpus,
            cpu: d.type === "kvm" ? { mode: "host-passthrough" } : undefined,
            // The disk boots through firmware, as on hardware: SeaBIOS, or OVMF with the
            // node's own variable store (libvirt copies the template on first start).
            ...firmwareOf(d.firmware, d.name),
            bootDevices: [{ devs: ["hd"] }],
            // The seed is a second disk: cloud-init's NoCloud finds it by its "cidata" label.
            disks: [{ volumeId: disk.id }, { volumeId: cidata.id }],
            networkInterfaces: [{
                networkId: args.networkId,
                // The address is static (cloud-init network-config); the provider can only read
                // addresses back from DHCP leases, so giving it here would diff forever.
                hostname: args.hostname,
                mac: args.mac,
                waitForLease: false,
            }],
            consoles: [{ type: "pty", targetType: "serial", targetPort: "0" }],
            graphics: { type: "vnc", listenType: "address", listenAddress: "127.0.0.1", autoport: true },
            xml: { xslt: renderFile(DOMAIN_XSLT, { serialLog: this.serialLog }) },
            autostart: false,
            running: true,
        }, o);

        const ssh = { host: args.ip, user: args.sshUser, privateKey: args.automationPrivateKey };
        // Each boot of a new domain, until the node answers SSH: its row in `pulumi up` shows
        // the phase the serial console reached (firmware, GRUB, kernel, systemd, cloud-init's
        // stages), every node at once, before the steps that configure it.
        this.boot = new RemoteCommand(`${name}-boot`, {
            ...ssh,
            script: "true",
            triggers: this.domain.id,
            timeoutSeconds: 900,
            logPrefix: "",
            consoleLog: this.serialLog,
            statusUrn: pulumi.createUrn(`${name}-boot`, RemoteCommand.TYPE, urnWithoutDependency(this)),
        }, { parent: this, dependsOn: [this.domain] });
        if (args.membership) {
            const membership = args.membership;
            this.membership = new RemoteCommand(`${name}-membership`, {
                ...ssh,
                script: membership.apply((m) => m.script),
                environment: membership.apply((m) => m.environment),
                // A new domain (a new image, a replaced node) boots a fresh disk: it needs its
                // membership again even when the membership itself did not change.
                triggers: pulumi.interpolate`${membership.apply((m) => m.hash)}@${this.domain.id}`,
                timeoutSeconds: 900,
                logPrefix: `${args.hostname}: `,
            }, { parent: this, dependsOn: [this.boot, ...(args.membershipAfter ?? [])] });
        }

        if (args.liveAgent) {
            const agent = args.liveAgent;
            this.nodeAgent = new RemoteCommand(`${name}-node-agent`, {
                ...ssh,
                uploadSource: agent.source,
                uploadDestination: agent.destination,
                script: agent.script,
                environment: agent.environment,
                triggers: pulumi.interpolate`${agent.sha256}@${this.domain.id}`,
                timeoutSeconds: 900,
                logPrefix: `${args.hostname}: `,
            }, { parent: this, dependsOn: [this.membership ?? this.boot] });
        }

        if (args.readiness) {
            const ready = args.readiness;
            this.agentReady = new RemoteCommand(`${name}-agent-ready`, {
                ...ssh,
                script: ready.script,
                environment: ready.environment,
                deleteScript: ready.leaveScript,
                // Each boot of a fresh disk, and each new agent delivered live, is waited for.
                triggers: pulumi.interpolate`${args.liveAgent?.sha256 ?? "image"}@${this.domain.id}`,
                timeoutSeconds: Number(ready.environment.READY_TIMEOUT) + 60,
                logPrefix: `${args.hostname}: `,
            }, { parent: this, dependsOn: [this.nodeAgent ?? this.boot] });
        }

        this.registerOutputs({ domain: this.domain.name });
    }
}
