// slurmd recovers by itself (issue 27), on the cluster's last node: a start that finds its
// <node>_slurmstepd.scope left failed (what a start leaves when systemd is too slow to make
// the scope, as on a Kubernetes server under TCG), and a slurmd that dies. Nobody logs in:
// the node is idle in SLURM again.
import { afterAll, describe, expect, it } from "vitest";
import { e2eCluster, nodeCount } from "./e2e-cluster";

const lab = e2eCluster();
const last = () => lab().node(nodeCount());
const name = () => `cluster-node-${nodeCount()}`;
/** slurmd active, and its node idle (no *: it answers slurmctld). */
const idle = () => `systemctl is-active --quiet slurmd && [ "$(sinfo -h -n ${name()} -o %t)" = idle ]`;
const restarts = async () => Number((await last().succeed("systemctl show -p NRestarts --value slurmd")).trim());

describe("slurmd recovers by itself", () => {
    // Whatever happened, slurmd runs again for the phases after this one.
    afterAll(async () => { await last().exec("sudo systemctl start slurmd"); });

    it("slurmd starts although its slurmstepd scope was left failed", async () => {
        const scope = `${name()}_slurmstepd`;
        // slurmd's own scope (it outlives slurmd: jobs' slurmstepd run there) goes, then a scope
        // of that name is killed by its own time limit: systemd keeps it, failed.
        await last().succeed(`sudo systemctl stop slurmd && { sudo systemctl stop ${scope}.scope; sudo systemctl reset-failed ${scope}.scope; } 2>/dev/null;`
            + ` { sudo systemd-run --quiet --scope --unit=${scope} -p RuntimeMaxSec=1 sleep 30 || true; } && systemctl is-failed --quiet ${scope}.scope`);
        await last().succeed("sudo systemctl start slurmd");
        await last().waitUntilSucceeds(idle(), 90);
    }, 180_000);

    it("a slurmd killed with SIGKILL is started again, and its node is idle", async () => {
        const before = await restarts();
        await last().succeed("sudo systemctl kill -s KILL slurmd");
        await last().waitUntilSucceeds(idle(), 90);
        expect(await restarts()).toBeGreaterThan(before);
    }, 180_000);
});
