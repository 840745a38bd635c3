// A checkpoint of a UEFI node on this machine's libvirt (Debian 12's 9.0, which refuses
// internal snapshots of pflash domains): kept as files (cli/checkpoint-files.ts), with the
// guarantees of the snapshot kind: a restore brings back the node's disk and memory, sets its
// clock, and Pulumi sees no change. E2E_CHECKPOINT_STACK is the 1-node UEFI bystander; its
// checkpoint is left for the final destroy, whose leak check expects the stack's seed
// directory, which holds the files, to be gone.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { checkpointFiles, nodeCheckpointDir } from "../../cli/checkpoint-plan";
import { seedDir } from "../../components/plan/paths";
import { expectOk, inHost, modeOf, prefixOf, run, virsh } from "./context";

const stack = process.env.E2E_CHECKPOINT_STACK ?? "";
const MARK = "/var/tmp/clusteros-e2e-after-checkpoint";
const onNode = (command: string) => run(["make", "-s", "--no-print-directory", "exec", `STACK=${stack}`, "N=1", `CMD=${command}`]);
/** Where the CLI keeps node 1's checkpoint 'ready' (cli/checkpoint-plan.ts), not a second copy of that layout. */
const kept = () => checkpointFiles(path.join(nodeCheckpointDir(seedDir(prefixOf(stack)), `${prefixOf(stack)}-node-1`), "ready"));

describe("a checkpoint of a UEFI node on libvirt before 10.10", () => {
    it("make checkpoint keeps it as files: disk and memory, 0600, in the stack's 0700 directory; nothing extra in the pool", async () => {
        expect(stack, "E2E_CHECKPOINT_STACK (set by e2e.sh)").not.toBe("");
        expect((await virsh("dumpxml", `${prefixOf(stack)}-node-1`)).stdout).toMatch(/<loader[^>]*type='pflash'/);
        const r = await run(["make", "checkpoint", `STACK=${stack}`, "NAME=ready"], { log: "uefi-checkpoint.log" });
        expectOk(r, "make checkpoint");
        expect(r.stdout).toContain("saved as files");
        for (const f of Object.values(kept())) expect(modeOf(f), f).toBe(0o600);
        expect(fs.statSync(kept().memory).size).toBeGreaterThan(50 * 1024 * 1024);
        expect(modeOf(seedDir(prefixOf(stack)))).toBe(0o700);
        const pool = (await virsh("vol-list", `${prefixOf(stack)}-pool`)).stdout;
        expect(pool).not.toContain(".checkpoint.save");
        const list = await run(["make", "-s", "checkpoints", `STACK=${stack}`]);
        expect(list.stdout).toMatch(/ready .* 1\/1/);
        expect(list.stdout).toContain("checkpoints of UEFI nodes kept as files on this machine");
    }, 600_000);

    it("make restore: a file written since is gone, a service stopped since runs again, the clock is right", async () => {
        expectOk(await onNode(`echo after | sudo tee ${MARK} >/dev/null && sudo systemctl stop munge`), "changing the node");
        const r = await run(["make", "restore", `STACK=${stack}`, "NAME=ready"], { log: "uefi-restore.log" });
        expectOk(r, "make restore");
        const after = await onNode(`test ! -e ${MARK} && systemctl is-active munge && date +%s`);
        expectOk(after, "the node after the restore");
        const [active, clock] = after.stdout.trim().split("\n");
        expect(active).toBe("active");
        expect(Math.abs(Number(clock) - Date.now() / 1000)).toBeLessThan(30);
    }, 900_000);

    it("pulumi preview after the restore shows no changes", async () => {
        expectOk(await run(inHost(["pulumi", "preview", "--stack", stack, "--expect-no-changes"]), { log: "uefi-preview.log" }), "pulumi preview");
    }, 600_000);
});
