// Disk faults under running nodes, from the host (lab disk, cli/disk-faults.ts; lab corrupt,
// cli/disk-corruption.ts), on the e2e's 3-node cluster: a full disk pauses its node until
// healed, with nothing lost; a file's bytes overwritten under the guest go unnoticed until
// read past the page cache; failing writes leave the node's root file system read-only, lab
// status says so, and the checkpoint 'ready' (tests/cluster/checkpoint.test.ts left it) brings
// the nodes back after healing, the corrupted file with them.
import { afterAll, describe, expect, it } from "vitest";
import { untilDeadline } from "../../components/exec/spawn";
import { e2eCluster } from "./e2e-cluster";

const lab = e2eCluster();
const ALL = ["cluster-node-1", "cluster-node-2", "cluster-node-3"];

describe("disk faults from the host, healed", () => {
    afterAll(async () => { await lab().heal(); });

    it("a full disk on node 2: QEMU pauses it on the write that needs room, lab status reports it, SLURM runs on the others; healed, the write completes and node 2 is healthy", async () => {
        const c = lab();
        // New data in 64 MiB files until the disk's file must grow past the room it has inside
        // (what earlier tests wrote and a restore freed), at most 2 GiB: each write waits while
        // the node is paused. The files are kept until the writer stops, to count their bytes
        // into /run (memory). The writer is a unit of the guest's own, started before the fault:
        // an SSH session cannot carry it, its connection dropping when a node stops answering
        // for 9 s (components/exec/ssh.ts), which a pause on a busy host outlasts.
        await c.node(2).succeed("sudo rm -f /var/tmp/full-disk-* /run/full-disk-stop /run/full-disk-result && sudo systemd-run --quiet sh -c '"
            + "i=0; while [ $i -lt 32 ] && [ ! -e /run/full-disk-stop ]; do"
            + " dd if=/dev/zero of=/var/tmp/full-disk-$i bs=1M count=64 oflag=direct status=none || { echo \"dd failed: $?\" > /run/full-disk-result; exit 1; };"
            + " i=$((i+1)); done; echo \"$i $(cat /var/tmp/full-disk-* | wc -c)\" > /run/full-disk-result'");
        c.diskFault(2, "full");
        const t0 = Date.now();
        const paused = await untilDeadline(Date.now() + 120_000, 1000, async () => (c.pausedForIo(2) ? true : undefined));
        expect(paused, "node 2 paused by QEMU for an I/O error").toBe(true);
        console.log(`node 2 paused for its full disk ${((Date.now() - t0) / 1000).toFixed(1)} s after the fault`);
        const rows = await c.status();
        expect(rows[1].healthy).toBe(false);
        expect(rows[1].problems.join("; ")).toMatch(/domain is paused \(I\/O error\)/);
        expect((await c.node(1).succeed("srun -N1 -w cluster-node-3 hostname")).trim()).toBe("cluster-node-3");
        await c.heal();
        await c.node(2).succeed("sudo touch /run/full-disk-stop");
        const written = (await c.node(2).waitUntilSucceeds("cat /run/full-disk-result", 180)).trim();
        expect(written).toMatch(/^\d+ \d+$/);
        const [files, bytes] = written.split(" ").map(Number);
        console.log(`node 2's writer wrote ${files} files of 64 MiB`);
        expect(bytes, "every byte written, none lost").toBe(files * 64 * 1024 * 1024);
        await c.node(2).succeed("sudo rm -f /var/tmp/full-disk-* /run/full-disk-stop /run/full-disk-result");
        await c.waitHealthy(180);
        console.log(`node 2 healthy ${((Date.now() - t0) / 1000).toFixed(1)} s after the fault`);
    }, 600_000);

    it("silent corruption on node 2: the first 4 KiB of a file overwritten from the host, under the guest; lab status sees nothing, and once the guest's cache drops the file it reads them, the rest of the file as it was", async () => {
        const c = lab();
        const file = "/var/tmp/precious";
        const sums = `sudo sh -c 'head -c 4096 ${file} | sha256sum; tail -c +4097 ${file} | sha256sum'`;
        await c.node(2).succeed(`head -c 1048576 /dev/urandom | sudo tee ${file} >/dev/null`);
        const [head, rest] = (await c.node(2).succeed(sums)).trim().split("\n");
        const corrupted = await c.corruptFile(2, file);
        expect(corrupted).toMatchObject({ file, disk: "vda", length: 4096 });
        expect((await c.status())[1].healthy, "nothing in the guest noticed").toBe(true);
        await c.node(2).succeed("sync; echo 3 | sudo tee /proc/sys/vm/drop_caches >/dev/null");
        const [headAfter, restAfter] = (await c.node(2).succeed(sums)).trim().split("\n");
        expect(headAfter, "the first 4 KiB read back changed").not.toBe(head);
        expect((await c.node(2).succeed(`sudo head -c 4096 ${file} | tr -d Z | wc -c`)).trim(), "all of them now 0x5a ('Z')").toBe("0");
        expect(restAfter, "the rest of the file unchanged").toBe(rest);
    }, 300_000);

    it("failing writes on node 3: its writes get I/O errors, its root turns read-only and lab status says so; healed and restored to 'ready', all three are healthy and srun -N3 runs", async () => {
        const c = lab();
        c.diskFault(3, "fail-writes");
        const failed = await c.node(3).exec("dd if=/dev/zero of=/var/tmp/failing bs=1M count=4 oflag=direct status=none");
        expect(failed.code, failed.output).not.toBe(0);
        expect(failed.output).toMatch(/Input\/output error|Read-only file system/);
        const reported = await untilDeadline(Date.now() + 90_000, 3000, async () => {
            const rows = await c.status();
            return rows[2].problems.some((p) => p.startsWith("root file system read-only")) ? rows : undefined;
        });
        expect(reported, "lab status: node 3's root file system read-only").toBeDefined();
        // QEMU flushes the disk before it lets go of the fault; with writes failing it may not
        // be able to, and heal() then powers node 3 off. The restore brings it back either way.
        await c.heal();
        const { healthySeconds } = await c.restore("ready", 180);
        console.log(`after failing writes: healthy ${healthySeconds.toFixed(1)} s after the restore began`);
        expect((await c.node(1).waitUntilSucceeds("srun -N3 hostname", 120)).trim().split("\n").sort()).toEqual(ALL);
    }, 600_000);
});
