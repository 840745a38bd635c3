// make up as a user runs it, where the daemon runs (host mode): the image built with Packer,
// the nodes created and healthy. E2E_UP_STACK names the stack (the e2e's own when unset). Its
// log is the scratch file up-<stack>.log (e2e.sh reports the image build's time from it).
import * as fs from "node:fs";
import { describe, expect, it } from "vitest";
import { e2e, expectOk, inHost, pulumi, run, script, stackOutputJson, statusRows, workFile } from "./context";

const stack = process.env.E2E_UP_STACK || e2e.stack;
const log = `up-${stack}.log`;
/** Titles name the stack by its role, not by its per-run name. */
const which = stack === e2e.stack ? "the cluster" : "a second stack's cluster, beside the first";

describe(`make up: ${which}`, () => {
    it(`make up's script creates ${which}`, async () => {
        expectOk(await run(inHost([script("up.sh"), stack]), { log }), "scripts/up.sh");
    }, 3_600_000);

    it("up says it runs in host mode where the system daemon runs", () => {
        expect(fs.readFileSync(workFile(log), "utf8")).toContain(`host mode: the libvirt daemon (pid ${e2e.daemonPid}) runs here`);
    });

    it(`make up showed each node of ${which} booting: its boot step's row went through the kernel, systemd and cloud-init before SSH answered`, async () => {
        const text = fs.readFileSync(workFile(log), "utf8");
        const rows = await statusRows(stack);
        expect(rows.length).toBeGreaterThan(0);
        for (const row of rows) {
            // Pulumi's display prints each status line of the row: "<type> <name> creating (Ns) <phase> (Ns)".
            const phases = [...text.matchAll(new RegExp(`-${row.node.replace("cluster-", "")}-boot creating \\(\\d+s\\) (.+?) \\(\\d+s\\)`, "g"))].map((m) => m[1]);
            expect(phases, `${row.node}'s boot phases in make up's output`).toEqual(expect.arrayContaining(["kernel", "systemd", "cloud-init init-local"]));
            expect(phases.indexOf("kernel"), `${row.node}: ${phases.join(", ")}`).toBeLessThan(phases.indexOf("cloud-init init-local"));
        }
    });

    // The e2e's stacks build their agent from Go source (tests/e2e/lib.sh new_stack, nodeAgentSource).
    it(`every node of ${which} runs the node agent make up built from its Go source (lab status: src <the output's hash>)`, async () => {
        const agent = await stackOutputJson<{ source: string; sourceHash: string; sha256: string }>(stack, "nodeAgent");
        expect(agent.source).toMatch(/fixtures\/node-agent-go\/cmd\/node-agent$/);
        const rows = await statusRows(stack);
        expect(rows.map((row) => row.agentBuild)).toEqual(rows.map(() => `src ${agent.sourceHash}`));
    });

    // The e2e's stacks add a package and a provisioning script to the image (tests/e2e/lib.sh new_stack).
    it(`the image of ${which} carries the stack's additions: the extra package and what its provisioning script wrote`, async () => {
        const r = await run(inHost([script("lab.sh"), "--stack", stack, "exec", "1", "dpkg-query -W -f='${Status}' tree && cat /etc/clusteros-image-extras"]));
        expectOk(r, "the image's additions on node 1");
        expect(r.stdout).toContain("install ok installed");
        expect(r.stdout).toContain("added by imageProvisionDir (10-mark.sh), flavor debian-12");
    });

    it(`the outputs of ${which} show no secret in plaintext`, async () => {
        const r = await pulumi("stack", "output", "--stack", stack, "--json");
        expectOk(r, "pulumi stack output");
        expect(r.stdout).not.toContain("PRIVATE KEY");
    });
});
