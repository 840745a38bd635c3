// bench.ts STACK MEASURES WORK: what a ClusterOS Lab cluster costs, measured in one run so
// ratios hold on a noisy machine, on the test API (clusteros-lab/testing) and Pulumi's
// Automation API. bench/bench.sh makes the stack (ci settings on free ranges) and the
// daemon, runs this where the daemon is, and removes both; WORK is its scratch directory.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { spawnCollect } from "../components/exec/spawn";
import { libvirtName } from "../components/plan/addressing";
import { projectName } from "../components/program-dir";
import { PROJECT_ROOT, poolDir, stateDir } from "../components/plan/paths";
import { must, virshAt } from "../cli/virsh";
import { LabCluster } from "../testing/lab-cluster";
import { lastUpdateChanges, projectStack } from "../lab/stacks";
import { bareBoot, firstBootProfile, rawDiskBoots } from "./first-boot";
import { writeChart } from "./chart";
import { Measures, MEASURES, Results, writeReport } from "./report";

const PROBE_FILE = path.join(PROJECT_ROOT, "images", "common", "provision", "90-cleanup.sh");
const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);
/** The e2e's stand-in agent (a Go main package), copied for the bench to edit: nodeAgentSource. */
const AGENT_SOURCE = path.join(PROJECT_ROOT, "tests", "e2e", "fixtures", "node-agent-go");
const AGENT_MAIN = path.join("cmd", "node-agent", "main.go");

class Bench {
    readonly r: Results = {};
    private readonly prefix: string;

    constructor(private readonly stack: Stack, private readonly measures: Measures, private readonly work: string) {
        this.prefix = libvirtName(projectName(), stack.name, "").replace(/-$/, "");
    }

    /** pulumi up; how long it took and how many distinct Packer builds it ran. */
    async up(label: string): Promise<{ seconds: string; packerRuns: string; log: string }> {
        let log = "";
        const t0 = Date.now();
        try {
            await this.stack.up({ onOutput: (s) => { log += s; } });
        } catch (e) {
            const keep = path.join(stateDir(), "bench-failures", this.stack.name);
            fs.mkdirSync(keep, { recursive: true });
            fs.writeFileSync(path.join(keep, `${label}.log`), log + String(e));
            // Pulumi's Diagnostics section says why, up to its Outputs.
            const at = log.indexOf("Diagnostics:");
            if (at >= 0) console.log(log.slice(at).split("\nOutputs:")[0].split("\n").slice(0, 40).join("\n"));
            this.report();
            throw new Error(`up '${label}' failed; its log is kept in ${keep}/${label}.log`);
        }
        // Each log line shows up twice (live, and again under Diagnostics): count distinct builds.
        const builds = new Set(log.match(/packer: ==> packer build .*/g) ?? []);
        return { seconds: seconds(t0), packerRuns: String(builds.size), log };
    }

    destroy(): Promise<unknown> { return this.stack.destroy(); }

    setConfig(key: string, value: string | number): Promise<void> {
        return this.stack.setConfig(`${projectName()}:${key}`, { value: String(value) });
    }

    /** The newest update's "created updated replaced deleted" counts. */
    async lastChanges(): Promise<string> {
        const c = await lastUpdateChanges(this.stack);
        return [c.create, c.update, c.replace, c.delete].map((n) => n ?? 0).join(" ");
    }

    /** The running cluster, for the time of fn. */
    async withCluster<T>(fn: (c: LabCluster) => Promise<T>): Promise<T> {
        const c = LabCluster.attach(this.stack.name);
        try { return await fn(c); } finally { await c.destroy(); }
    }

    async run(): Promise<void> {
        const r = this.r;
        if (this.measures === "p7") {
            await this.setConfig("nodeCount", 3);
            r.up_n3 = (await this.up("n3")).seconds;
            await this.p7Checkpoint();
            return this.report();
        }
        if (this.measures === "p6") {
            await this.setConfig("nodeCount", 4);
            await this.up("n4");
            await this.p6NodeAgent();
            return this.report();
        }
        if (this.measures === "p2") {
            r.up_n1_warm = (await this.up("n1warm")).seconds;
            await this.p2FirstBoot();
            await this.destroy();
            await this.setConfig("nodeCount", 3);
            r.up_n3 = (await this.up("n3")).seconds;
            return this.report();
        }

        console.log("== P2 (N=1) and P1: first up");
        const first = await this.up("n1");
        [r.up_n1, r.packer_first] = [first.seconds, first.packerRuns];

        console.log("== P4: copy-on-write allocation");
        await this.p4CopyOnWrite();

        console.log("== P3: no-op up");
        const noop = await this.up("noop");
        [r.up_noop, r.packer_noop] = [noop.seconds, noop.packerRuns];

        console.log("== P1: a provisioning file changes");
        await this.p1ProvisioningChange();

        console.log("== P2: N=1, 2 and 3 from nothing, image cached");
        await this.destroy();
        r.up_n1_warm = (await this.up("n1warm")).seconds;
        await this.p2FirstBoot();
        await this.destroy();
        await this.setConfig("nodeCount", 2);
        const n2 = await this.up("n2");
        [r.up_n2, r.packer_n2] = [n2.seconds, n2.packerRuns];
        await this.destroy();
        await this.setConfig("nodeCount", 3);
        r.up_n3 = (await this.up("n3")).seconds;
        await this.p7Checkpoint();

        console.log("== P5: scale out 3 -> 4");
        await this.setConfig("nodeCount", 4);
        r.scale_out = (await this.up("n4")).seconds;
        r.scale_out_changes = await this.lastChanges();

        console.log("== P6: a one-line edit of the agent's source runs on every node");
        await this.p6NodeAgent();
        this.report();
    }

    private async p4CopyOnWrite(): Promise<void> {
        const virsh = await this.withCluster(async (c) => virshAt(c.info.hosts[0]!));
        const base = must(virsh, "volumes", "vol-list", `${this.prefix}-pool`).split("\n")
            .map((l) => l.trim().split(/\s+/)).find(([name]) => name?.includes("-base-"))?.[1];
        if (!base) throw new Error(`no base volume in pool ${this.prefix}-pool`);
        const actualSize = async (...args: string[]) => {
            const out = await spawnCollect(["qemu-img", "info", "--output=json", ...args]);
            return String(JSON.parse(out.stdout)["actual-size"]);
        };
        this.r.cow_base_bytes = await actualSize(base);
        this.r.cow_node_bytes = await actualSize("-U", path.join(poolDir(this.prefix), `${this.prefix}-node-1-disk.qcow2`));
        // The volume as the provider creates it: an empty qcow2 overlay on the base.
        const overlay = path.join(this.work, "overlay.qcow2");
        await spawnCollect(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", base, overlay, "8G"]);
        this.r.cow_created_bytes = await actualSize(overlay);
    }

    /** One image input changes: one Packer run; changed back: none (the old image is cached). */
    private async p1ProvisioningChange(): Promise<void> {
        // bench.sh puts the file back from WORK/probe.orig if this process dies before it does.
        const orig = path.join(this.work, "probe.orig");
        fs.copyFileSync(PROBE_FILE, orig);
        try {
            fs.appendFileSync(PROBE_FILE, `# bench ${Date.now()}\n`);
            const changed = await this.up("provision");
            this.r.packer_provision = changed.packerRuns;
            this.r.image_build = /finished after (\d+ minutes? )?\d+ seconds/.exec(changed.log)?.[0] ?? "n/a";
        } finally {
            fs.copyFileSync(orig, PROBE_FILE);
            fs.rmSync(orig);
        }
        this.r.packer_restore = (await this.up("restore")).packerRuns;
    }

    private async p2FirstBoot(): Promise<void> {
        console.log("== P2: first boot of one node, against a bare Debian guest");
        await this.withCluster(async (c) => {
            await firstBootProfile(c, this.r);
            const virsh = virshAt(c.info.hosts[0]!);
            await bareBoot(c, virsh, `${this.prefix}-pool`, this.work, this.r).catch((e) => console.log(`bench: bare guest: ${e.message}`));
            await rawDiskBoots(virsh, `${this.prefix}-pool`, this.work, this.r).catch((e) => console.log(`bench: raw disk: ${e.message}`));
        });
    }

    /** The 3-node cluster saved, broken (slurmd stopped on node 2, node 3 powered off) and restored until healthy. */
    private async p7Checkpoint(): Promise<void> {
        console.log("== P7: checkpoint restore of 3 nodes");
        await this.withCluster(async (c) => {
            try {
                let t0 = Date.now();
                c.checkpoint("bench");
                this.r.checkpoint_save = seconds(t0);
                await c.node(2).succeed("sudo systemctl stop slurmd");
                c.crash(3);
                t0 = Date.now();
                const restored = await c.restore("bench");
                this.r.restore_total = seconds(t0);
                this.r.restore_reverted = restored.resumedSeconds.toFixed(1);
                this.r.restore_healthy = restored.healthySeconds.toFixed(1);
            } catch (e) {
                console.log(`bench: checkpoint: ${(e as Error).message}`);
            } finally {
                try { c.removeCheckpoint("bench"); } catch { /* never saved */ }
            }
        });
    }

    /** The agent's source edited by one line, then one up: the time until every node runs the new build. */
    private async p6NodeAgent(): Promise<void> {
        const main = path.join(this.work, "node-agent-go", AGENT_MAIN);
        fs.writeFileSync(main, fs.readFileSync(main, "utf8").replace("node-agent (go) starting", "node-agent (go, bench edit) starting"));
        const t0 = Date.now();
        this.r.agent_up = (await this.up("agent")).seconds;
        // The binary make up built from the edited source, as the stack outputs it.
        const want = ((await this.stack.outputs()).nodeAgent?.value as { sha256?: string } | undefined)?.sha256 ?? "none";
        const updated = await this.withCluster(async (c) => (await Promise.all(c.nodes.map(async (n) => {
            const sum = (await n.exec("sha256sum /usr/local/bin/clusteros-node-agent")).stdout.split(" ")[0];
            return sum === want && (await n.exec("systemctl is-active --quiet clusteros-node-agent")).code === 0;
        }))).filter(Boolean).length);
        this.r.agent_total = seconds(t0);
        this.r.agent_nodes_updated = String(updated);
        this.r.agent_changes = await this.lastChanges();
    }

    report(): void {
        const dir = path.join(PROJECT_ROOT, "bench", "results");
        const file = writeReport(this.r, this.measures, dir, "qemu (TCG)");
        console.log(`written to ${file}`);
        const chart = path.join(dir, "chart.svg");
        const why = writeChart(dir, chart);
        console.log(why ? `no chart: ${why}` : `chart of every run in ${dir}: ${chart}`);
    }
}

async function main(): Promise<void> {
    const [stackName, measures, work] = process.argv.slice(2);
    if (!stackName || !work || !MEASURES.includes(measures as Measures)) {
        throw new Error(`usage: bench.ts STACK ${MEASURES.join("|")} WORK`);
    }
    const stack = await projectStack(stackName);
    const bench = new Bench(stack, measures as Measures, work);
    // A live node agent built from source: P6 measures how fast an edit of that source reaches
    // running nodes. The source is a copy, which P6 edits.
    fs.cpSync(AGENT_SOURCE, path.join(work, "node-agent-go"), { recursive: true });
    await bench.setConfig("nodeAgentSource", path.join(work, "node-agent-go", "cmd", "node-agent"));
    await bench.setConfig("nodeAgentDelivery", "live");
    await bench.run();
}

main().catch((e) => {
    console.error(`bench: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
});
