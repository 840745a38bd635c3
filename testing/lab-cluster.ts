// LabCluster: a ClusterOS Lab stack under test. `up` brings a stack up through Pulumi's
// Automation API on this project's own program, or attaches to a running stack when
// CLUSTEROS_LAB_TEST_STACK names one (tests share one cluster that way: CI, `make
// cluster-test STACK=...`). Nodes are LabNodes; faults are a crash or power cut (libvirt),
// a partition (nftables on the nodes' bridge) and a degraded link (tc netem in the nodes);
// checkpoints save and restore the whole cluster. "Healthy" is `lab status`'s definition
// (cli/status.ts), the only one.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { parse } from "yaml";
import { shellQuote } from "../components/exec/spawn";
import { MAIN_HOST } from "../components/plan/hosts";
import { stateDir } from "../components/plan/paths";
import { programDir, projectName } from "../components/program-dir";
import * as checkpoints from "../cli/checkpoint";
import { jumpClock, strobeClock, syncGuestTime } from "../cli/clock";
import { applyDiskFault, DiskFault, healDisk, pausedForIo } from "../cli/disk-faults";
import { Corrupted, corruptFile } from "../cli/disk-corruption";
import { healRuleset, partitionRuleset, shapeRuleset } from "../cli/faults";
import { delayNode, undelayNode } from "../cli/nic-delay";
import { degradeLinks } from "../cli/link-fault";
import { unrelayNode } from "../cli/link-relay";
import type { PartitionShape } from "../cli/partition-shapes";
import type { LinkFault } from "../cli/faults";
import { loadRuleset, nftNeedsRoot } from "../cli/nft";
import { Row } from "../cli/health";
import { forgetConnections, keyFile, runOn } from "../cli/ssh";
import { loadStack, NodeInfo, StackInfo } from "../cli/stack";
import { assessAll, realProbers, untilHealthy } from "../cli/status";
import { must, virshFor } from "../cli/virsh";
import { lastUpdateChanges, projectStack, removeProjectStack } from "../lab/stacks";
import { recoverStack } from "../lab/recover";
import { configPaths } from "./config-paths";
import type { ConfigInput } from "./config-paths";
import { LabNode, TimedOut } from "./lab-node";
import { clearCommand, degradeCommands } from "./netem";
import type { Degradation } from "./netem";

/** Names a running stack that every LabCluster.up of this process attaches to. */
export const SHARED_STACK_ENV = "CLUSTEROS_LAB_TEST_STACK";

export interface UpOptions {
    /** The stack to create (or reuse) for the test. */
    stack: string;
    /** A stack file whose plain settings are the base, e.g. "ci" (Pulumi.ci.yaml). */
    from?: string;
    /** Settings on top, by key: { nodeCount: 3, hosts: { lab2: { ... } } }. */
    config?: Record<string, ConfigInput>;
    /** How long the nodes may take to become healthy after `pulumi up`. */
    readySeconds?: number;
    /** Each line Pulumi prints. */
    onOutput?: (line: string) => void;
}

/** The plain (not secret) settings of a stack file, without the project's prefix. */
export function stackFileConfig(stack: string, root = programDir()): Record<string, ConfigInput> {
    const file = parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) ?? {};
    const prefix = `${projectName()}:`;
    return Object.fromEntries(Object.entries<ConfigInput>(file.config ?? {})
        .filter(([k, v]) => k.startsWith(prefix) && !(v !== null && typeof v === "object" && "secure" in v))
        .map(([k, v]) => [k.slice(prefix.length), v]));
}

/** The stack made, or opened, with its settings: a stack file's plain settings (from), then config on top. */
export async function stackWithSettings(opts: Pick<UpOptions, "stack" | "from" | "config">): Promise<Stack> {
    const stack = await projectStack(opts.stack, { create: true });
    const config = configPaths(projectName(), { ...(opts.from ? stackFileConfig(opts.from) : {}), ...opts.config });
    await stack.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, value]) => [k, { value }])), true);
    return stack;
}

export class LabCluster {
    readonly nodes: LabNode[];
    /** Nodes with a degraded interface, and which: what heal() clears. */
    private readonly degraded = new Map<number, string>();
    /** Nodes this test paused, and those whose clock it moved: what heal() undoes. */
    private readonly paused = new Set<number>();
    private readonly clocked = new Set<number>();
    /** Nodes with a disk fault, and those whose frames are held up: what heal() takes away. */
    private readonly disks = new Set<number>();
    private readonly delayed = new Set<number>();
    /** Domains whose frames go through the lab's relay (degradeLink). */
    private readonly relayed = new Set<string>();

    private constructor(
        readonly info: StackInfo,
        private readonly key: { file: string; cleanup: () => void },
        /** Set when this LabCluster made the stack: destroy() removes it. */
        private readonly owned?: Stack,
    ) {
        this.nodes = info.nodes.map((n) => new LabNode(info, n, key.file));
    }

    /** A running stack, used as it is; destroy() only heals the faults this test made. */
    static attach(stack: string): LabCluster {
        const info = loadStack(stack);
        return new LabCluster(info, keyFile(info));
    }

    /**
     * The stack up and healthy, as `make up` brings it: what an interrupted run left is
     * cleared (lab/recover.ts), the update refreshes first, then every node must be healthy.
     * On failure the stack is destroyed; if its nodes came up but never became healthy,
     * their logs are kept first (failureDir).
     */
    static async up(opts: UpOptions): Promise<LabCluster> {
        const shared = process.env[SHARED_STACK_ENV];
        if (shared) return LabCluster.attach(shared);
        const stack = await stackWithSettings(opts);
        let cluster: LabCluster | undefined;
        try {
            // As make up: first what an interrupted run left, then an update that refreshes (drift repaired).
            await recoverStack(stack, (line) => (opts.onOutput ?? console.error)(`==> ${line}\n`));
            await stack.up({ onOutput: opts.onOutput, refresh: true });
            const info = loadStack(opts.stack);
            cluster = new LabCluster(info, keyFile(info), stack);
            await cluster.waitHealthy(opts.readySeconds ?? 600);
            return cluster;
        } catch (e) {
            if (cluster) await cluster.collectLogs(failureDir(opts.stack, "up")).catch(() => undefined);
            await destroyStack(stack, opts.onOutput);
            cluster?.key.cleanup();
            throw e;
        }
    }

    /** Node n (1-based). */
    node(n: number): LabNode {
        const node = this.nodes[n - 1];
        if (!node) throw new RangeError(`node ${n} is not one of 1..${this.nodes.length} of stack ${this.info.stack}`);
        return node;
    }

    /** `lab status`'s rows: each node's domain, handshakes, SLURM, Kubernetes, health. */
    async status(): Promise<Row[]> {
        return (await assessAll(this.info, realProbers(this.info, this.key.file))).rows;
    }

    /** What the stack's newest update did: { create: 1, same: 40, ... } (the user's `make up` too). */
    async lastUpdateChanges(): Promise<Record<string, number>> {
        return lastUpdateChanges(this.owned ?? await projectStack(this.info.stack));
    }

    /** Waits until every node is healthy by `lab status`'s definition. */
    async waitHealthy(timeoutSeconds = 300): Promise<void> {
        const { rows } = await untilHealthy(this.info, realProbers(this.info, this.key.file), Date.now() + timeoutSeconds * 1000);
        if (!rows.every((r) => r.healthy)) {
            throw new TimedOut(`stack ${this.info.stack} not healthy after ${timeoutSeconds} s: `
                + rows.filter((r) => !r.healthy).map((r) => `${r.node} (${r.problems.join("; ")})`).join(", "));
        }
    }

    // --- checkpoints (cli/checkpoint.ts, as `lab checkpoint` runs them) ----------------

    /** Saves the whole cluster at one moment: every node paused, snapshotted, resumed. */
    checkpoint(name: string, opts: { replace?: boolean } = {}): void {
        checkpoints.save(this.info, name, !!opts.replace);
    }

    /**
     * Every node back to checkpoint `name` (memory and disk), clocks set; then waits until
     * healthy (at most timeoutSeconds). Resolves with how long, in seconds, until the nodes were
     * resumed and until they were healthy.
     */
    async restore(name: string, timeoutSeconds = 120): Promise<{ resumedSeconds: number; healthySeconds: number }> {
        const { started, resumedSeconds } = await checkpoints.restore(this.info, name);
        await this.waitHealthy(timeoutSeconds);
        return { resumedSeconds, healthySeconds: (Date.now() - started) / 1000 };
    }

    /** Removes checkpoint `name` from every node. */
    removeCheckpoint(name: string): void {
        checkpoints.remove(this.info, name);
    }

    // --- faults ---------------------------------------------------------------------

    /** Pulls node n's plug: the domain stops at once. */
    crash(n: number): void { forgetConnections(this.info.stack); this.virsh(n, "destroy"); }
    /** Shuts node n down cleanly (ACPI). */
    powerOff(n: number): void { forgetConnections(this.info.stack); this.virsh(n, "shutdown"); }
    /** Starts node n again. */
    powerOn(n: number): void { forgetConnections(this.info.stack); this.virsh(n, "start"); }

    /** Freezes node n's vCPUs (libvirt suspend): it, its clock and its peers see the gap. heal() resumes it. */
    pause(n: number): void {
        forgetConnections(this.info.stack);
        this.virsh(n, "suspend");
        this.paused.add(n);
        // Its clock stood still while paused: heal() sets it right too.
        this.clocked.add(n);
    }

    /** Lets a paused node n run again. */
    resume(n: number): void {
        this.virsh(n, "resume");
        this.paused.delete(n);
    }

    /** Moves node n's clock by offsetSeconds (negative: back), from the host (cli/clock.ts). heal() sets it right. */
    clockJump(n: number, offsetSeconds: number): void {
        const node = this.node(n).node;
        jumpClock(virshFor(this.info, node), node.domain, offsetSeconds);
        this.clocked.add(n);
    }

    /** Strobes node n's clock: deltaSeconds ahead, then right, every periodSeconds, for durationSeconds; right at the end. */
    async clockStrobe(n: number, deltaSeconds: number, periodSeconds: number, durationSeconds: number): Promise<void> {
        const node = this.node(n).node;
        this.clocked.add(n);
        await strobeClock(virshFor(this.info, node), node.domain, deltaSeconds, periodSeconds, durationSeconds);
    }

    /**
     * Degrades the links between group a and group b from outside the guests: frames lost at
     * random or beyond a rate (nftables on the nodes' bridge), delayed with jitter, duplicated,
     * reordered or corrupted (the frame relay in each sending node's QEMU, cli/link-relay.ts).
     * Both ways unless oneWay. Replaces an earlier such degradation of the same senders;
     * heal() removes them all.
     */
    async degradeLink(a: number[], b: number[], fault: LinkFault, opts: { oneWay?: boolean } = {}): Promise<void> {
        for (const domain of await degradeLinks(this.info, this.group(a), this.group(b), fault, opts.oneWay)) this.relayed.add(domain);
    }

    /**
     * Cuts group a off from group b on the lab network, and so on the mesh over it: both
     * directions, or with oneWay only what a sends to b. Replaces an earlier partition.
     */
    async partition(a: number[], b: number[], opts: { oneWay?: boolean } = {}): Promise<void> {
        await loadRuleset(partitionRuleset(this.info.stack, this.group(a), this.group(b), opts.oneWay));
    }

    /**
     * Partitions the whole cluster in a standard shape: one node isolated, a minority cut off
     * from the majority (seeded), or a ring where every node sees a different majority.
     * Replaces an earlier partition; heal() removes it. Returns what each node still sees
     * (node number -> node numbers, itself included).
     */
    async partitionShape(shape: PartitionShape): Promise<Map<number, number[]>> {
        const { ruleset, views } = shapeRuleset(this.info.stack, shape, this.info.nodes);
        await loadRuleset(ruleset);
        return views;
    }

    /**
     * Degrades the links between group a and group b, both ways: what each node sends to
     * the other group is lost and delayed (in the guests, testing/netem.ts says why). One
     * degradation per node at a time; heal() removes them.
     */
    async degrade(a: number[], b: number[], d: Degradation): Promise<void> {
        for (const [from, to] of [[a, b], [b, a]] as const) {
            const peers = to.map((n) => this.node(n).ip);
            for (const n of from) {
                const node = this.node(n);
                const dev = (await node.succeed(`ip -o route get ${peers[0]}`)).match(/ dev (\S+)/)?.[1];
                if (!dev) throw new Error(`${node.name} has no route to ${peers[0]}`);
                for (const argv of degradeCommands(dev, peers, d)) {
                    const r = await node.exec(`sudo ${argv.map(shellQuote).join(" ")}`);
                    if (r.code !== 0 && argv[2] !== "del") throw new Error(`${node.name}: ${argv.join(" ")}: ${r.output.trim()}`);
                }
                this.degraded.set(n, dev);
            }
        }
    }

    /**
     * A fault under node n's root disk, from the host (cli/disk-faults.ts): "full" (its file may
     * not grow; QEMU pauses the node on the write that needs more), or I/O errors on reads,
     * writes or both. heal() takes it away and lets a node QEMU paused run on; what a guest made
     * of I/O errors (a read-only root) stays until a restore or a power cycle. When writes
     * failed, QEMU may be unable to flush the disk to let go of the fault: heal() then powers
     * the node off (cli/disk-faults.ts healDisk), and a restore or powerOn(n) brings it back.
     */
    diskFault(n: number, fault: DiskFault): void {
        const node = this.node(n).node;
        applyDiskFault(virshFor(this.info, node), node.domain, fault);
        this.disks.add(n);
        // A node QEMU pauses for its full disk has its clock stand still meanwhile: heal() sets it right.
        if (fault === "full") this.clocked.add(n);
    }

    /**
     * Holds every frame node n sends for up to ms milliseconds, from the hypervisor (QEMU's
     * filter-buffer on its NIC, cli/nic-delay.ts): a delay with jitter on all its traffic, the
     * host's included. Replaces an earlier one on that node; heal() removes it.
     */
    delaySends(n: number, ms: number): void {
        const node = this.node(n).node;
        delayNode(virshFor(this.info, node), node.domain, ms);
        this.delayed.add(n);
    }

    /** Whether QEMU paused node n for an I/O error (its full disk), rather than someone pausing it. */
    /**
     * Silent corruption from the host (cli/disk-corruption.ts): the first `bytes` bytes of
     * `file` on node n's disk overwritten with 0x5a in QEMU's block layer, under the guest. The
     * guest reads them once its page cache drops the file. heal() cannot take them back; a
     * checkpoint restore does.
     */
    async corruptFile(n: number, file: string, bytes = 4096): Promise<Corrupted> {
        const node = this.node(n).node;
        return corruptFile(virshFor(this.info, node), node.domain, file, bytes,
            (script, target) => runOn(this.info, node, this.key.file, `bash -s -- ${shellQuote(target)}`, script));
    }

    pausedForIo(n: number): boolean {
        const node = this.node(n).node;
        return pausedForIo(virshFor(this.info, node), node.domain);
    }

    /** Removes the partition, every degradation, delay and disk fault, resumes the nodes it paused and sets right the clocks it moved. */
    async heal(): Promise<void> {
        // A user who is not root made no nftables faults (loadRuleset refused them).
        if (!nftNeedsRoot()) await loadRuleset(healRuleset(this.info.stack));
        // A node powered off for its failing writes has no clock to set until it runs again.
        const off = new Set<number>();
        for (const n of this.disks) {
            const node = this.node(n).node;
            if (healDisk(virshFor(this.info, node), node.domain) === "powered off") off.add(n);
        }
        this.disks.clear();
        for (const n of this.delayed) {
            const node = this.node(n).node;
            undelayNode(virshFor(this.info, node), node.domain);
        }
        this.delayed.clear();
        for (const domain of this.relayed) {
            const node = this.info.nodes.find((x) => x.domain === domain)!;
            unrelayNode(virshFor(this.info, node), domain);
        }
        this.relayed.clear();
        for (const n of off) { this.clocked.delete(n); this.paused.delete(n); }
        for (const n of this.paused) this.resume(n);
        for (const n of this.clocked) {
            const node = this.node(n).node;
            syncGuestTime(virshFor(this.info, node), node.domain);
        }
        // The peers hold the moved clock's handshake times as the latest: fresh sessions.
        if (this.clocked.size > 0) await checkpoints.renewWireGuard(this.info, { afterClockFault: true });
        this.clocked.clear();
        for (const [n, dev] of this.degraded) {
            await this.node(n).exec(`sudo ${clearCommand(dev).map(shellQuote).join(" ")}`);
        }
        this.degraded.clear();
    }

    // --- logs and teardown --------------------------------------------------------------

    /** Each node's serial log (main-host nodes) and journal of this boot, into dir. */
    async collectLogs(dir: string): Promise<string> {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        await Promise.all(this.nodes.map(async (n) => {
            if (n.host === MAIN_HOST && fs.existsSync(n.node.serialLog)) {
                fs.copyFileSync(n.node.serialLog, path.join(dir, `${n.name}-serial.log`));
            }
            const journal = await n.exec("sudo journalctl -b --no-pager -o short-precise");
            fs.writeFileSync(path.join(dir, `${n.name}-journal.log`), journal.code === 0 ? journal.stdout : journal.output, { mode: 0o600 });
        }));
        return dir;
    }

    /** Destroys and removes a stack this LabCluster made; an attached one is only healed. */
    async destroy(onOutput?: (line: string) => void): Promise<void> {
        try {
            if (this.owned) await destroyStack(this.owned, onOutput);
            else await this.heal();
        } finally {
            this.key.cleanup();
        }
    }

    /** Nodes by number, as the fault rulesets take them. */
    private group(numbers: number[]): NodeInfo[] {
        return numbers.map((n) => this.node(n).node);
    }

    private virsh(n: number, verb: string): void {
        const node = this.node(n).node;
        must(virshFor(this.info, node), `${verb} ${node.name}`, verb, node.domain);
    }
}

/**
 * Runs fn, then selects again the stack the user had selected, unless it is `except`: Pulumi
 * selects a stack it makes or opens, and `stack rm` of any stack clears the selection. Every
 * Stack call names its stack, so nothing here needs the selection.
 */
async function destroyStack(stack: Stack, onOutput?: (line: string) => void): Promise<void> {
    await stack.destroy({ onOutput });
    await removeProjectStack(stack);
}

/** Where a failed test's logs go: the lab's state directory, by stack and test. */
export function failureDir(stack: string, test: string): string {
    return path.join(stateDir(), "test-failures", stack, test.replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 80));
}
