// Cluster checkpoints through the commands a user types (`lab checkpoint save`, `make
// restore`, `make checkpoints`, cli/checkpoint.ts), on a 3-node cluster: save one, break the
// cluster three ways, restore it, and find it as it was, with clocks set and Pulumi seeing no
// change. The e2e runs it on its stack; later phases use the checkpoint 'ready' it leaves.
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { spawnCollect } from "../../components/exec/spawn";
import { PROJECT_ROOT } from "../../components/plan/paths";
import { e2eCluster, slurmTests } from "./e2e-cluster";

const lab = e2eCluster();
const stack = () => lab().info.stack;
const run = async (...argv: string[]) => {
    const r = await spawnCollect(argv);
    expect(r.code, `${argv.join(" ")}:\n${r.output.split("\n").slice(-20).join("\n")}`).toBe(0);
    return r.stdout;
};
const labCli = (...args: string[]) => run(path.join(PROJECT_ROOT, "scripts", "lab.sh"), "--stack", stack(), ...args);
// Vitest sets MODE=test in its environment, which the Makefile would take for the lab's MODE=.
const make = (target: string, ...vars: string[]) => run("env", "-u", "MODE", "make", "-s", "-C", PROJECT_ROOT, target, `STACK=${stack()}`, ...vars);
const previewNoChanges = () => run("pulumi", "preview", "--stack", stack(), "--expect-no-changes", "--cwd", PROJECT_ROOT);

describe("checkpoint 'ready': save, break, restore", () => {
    it("lab checkpoint save ready pauses, snapshots and resumes all 3 nodes", async () => {
        expect(await labCli("checkpoint", "save", "ready")).toContain(`checkpoint 'ready' of stack '${stack()}': 3 nodes`);
    });

    it("pulumi preview after a save shows no changes", previewNoChanges, 300_000);

    it("make restore NAME=ready brings the whole cluster back (broken three ways) and waits until it is healthy", async () => {
        const c = lab();
        await c.node(1).succeed("echo after > /var/tmp/after-checkpoint");
        await c.node(2).succeed("sudo systemctl stop slurmd");
        c.crash(3);
        console.log(await make("restore", "NAME=ready"));
    });

    it("node 1: the file written after the checkpoint is gone", async () => {
        await lab().node(1).fail("test -e /var/tmp/after-checkpoint");
    });

    it("node 2: slurmd, stopped after the checkpoint, is active again", async () => {
        await lab().node(2).succeed("systemctl is-active --quiet slurmd");
    });

    it("node 3, powered off after the checkpoint, runs again", async () => {
        expect((await lab().status()).map((r) => r.domain)).toEqual(["running", "running", "running"]);
    });

    // An SSH round trip under TCG takes a few seconds; a clock left at the checkpoint would be minutes behind.
    it.each([1, 2, 3])("node %i: its clock was set right after the restore", async (n) => {
        const guest = Number(await lab().node(n).succeed("date +%s"));
        expect(Math.abs(Date.now() / 1000 - guest)).toBeLessThan(10);
    });

    slurmTests(lab, 3);

    it("pulumi preview after a restore shows no changes", previewNoChanges, 300_000);

    it("make checkpoints lists 'ready' on 3 of 3 nodes and the disk it takes", async () => {
        const out = await make("checkpoints");
        expect(out).toMatch(/ready .* 3\/3/);
        expect(out).toContain("node disks, holding every checkpoint");
    });
});
