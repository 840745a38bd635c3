// Node 5 added on a second host (tests/e2e/e2e.sh made it) whose domain cannot start there (its
// serial log's directory is missing, as on a host without libvirt's packaged directories): the
// provider defined the domain, never recorded it, and the next create of that name would fail.
// One make up must converge.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { configSet, e2e, expectChanges, expectOk, inHost, lastUpdateChanges, prefixOf, pulumi, run, script } from "./context";
import { domainState, h2, H2_NODE } from "./multihost";

const logDir = () => path.join(h2.dir, "log", "qemu");
const away = () => `${logDir()}.away`;

describe(`node ${H2_NODE} fails to start on host ${h2.name}, then one make up`, () => {
    afterAll(() => { if (fs.existsSync(away())) fs.renameSync(away(), logDir()); });

    it(`pulumi up fails when node ${H2_NODE}'s domain cannot start on host ${h2.name}, leaving it defined and stopped there`, async () => {
        await configSet(e2e.stack, "nodeCount", String(H2_NODE));
        for (const [key, value] of [["libvirtUri", h2.uri], ["nodeCidr", h2.cidr], ["nodes[0]", String(H2_NODE)]]) {
            expectOk(await pulumi("config", "set", "--stack", e2e.stack, "--path", `hosts.${h2.name}.${key}`, value), `pulumi config set hosts.${h2.name}.${key}`);
        }
        fs.renameSync(logDir(), away());
        const r = await run(inHost(["pulumi", "up", "--stack", e2e.stack, "--yes", "--skip-preview"]), { log: "failed-start.log" });
        expect(r.code, "pulumi up fails").not.toBe(0);
        expect(await domainState(h2.uri, H2_NODE)).toBe("shut off");
        fs.renameSync(away(), logDir());
    }, 1_200_000);

    it(`one make up afterwards converges to ${H2_NODE} healthy nodes, removing the domain the failed create left`, async () => {
        const r = await run(inHost([script("up.sh"), e2e.stack]), { log: "after-failed-start.log" });
        expectOk(r, "scripts/up.sh");
        expect(r.output).toContain(`removed domain ${prefixOf(e2e.stack)}-node-${H2_NODE} on ${h2.uri}, defined by a create that failed`);
        expectChanges(await lastUpdateChanges(e2e.stack), "create");
        expect(await domainState(h2.uri, H2_NODE)).toBe("running");
    }, 1_800_000);
});
