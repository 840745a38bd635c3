// make stop / make start (cli/power-plan.ts, cli/power.ts): what is asked of each domain, and
// what lab status says of a stack whose every node is stopped.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { isStopped, needsStart, notHaltedMessage, SHUT_OFF, stopStep, stoppedLine } from "../../cli/power-plan";
import { parseStackOutputs } from "../../cli/stack";
import { Probers, status } from "../../cli/status";
import { virshAt } from "../../cli/virsh";

const info = parseStackOutputs("ci", JSON.stringify({
    nodes: [1, 2].map((i) => ({
        name: `cluster-node-${i}`, domain: `clusteros-lab-ci-node-${i}`, ip: `10.79.0.${9 + i}`, wireguardIp: `10.80.0.${i}`,
        wireguardPublicKey: `key${i}=`, ssh: "", vncDisplay: "", serialLog: "", roles: i === 1 ? ["slurm-controller"] : ["slurm-worker"],
    })),
    controller: "cluster-node-1", adminUser: "clusteros", libvirtUri: "qemu:///system",
    automationPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n",
}));

describe("stop and start, planned from libvirt's domain states", () => {
    it("halts what runs (a paused node resumed first, as it cannot take ACPI paused), and leaves a halted node alone", () => {
        expect(stopStep("running")).toBe("shutdown");
        expect(stopStep("paused")).toBe("resume-then-shutdown");
        expect(stopStep(SHUT_OFF)).toBe("none");
    });

    it("starts only a node that is shut off or crashed", () => {
        expect([SHUT_OFF, "crashed", "running", "paused"].map(needsStart)).toEqual([true, true, false, false]);
    });

    it("calls a stack stopped only when it has nodes and every one is shut off", () => {
        expect(isStopped([SHUT_OFF, SHUT_OFF])).toBe(true);
        expect(isStopped([SHUT_OFF, "running"])).toBe(false);
        expect(isStopped([])).toBe(false);
    });

    it("names the nodes that did not halt in time, and the way to power them off", () => {
        expect(notHaltedMessage(["cluster-node-2"], 180)).toBe(
            "cluster-node-2 did not halt within 180 s of the shutdown request; scripts/lab.sh crash N powers a node off at once (as a pulled plug)");
    });
});

describe("lab status of a stopped stack", () => {
    // A virsh whose every domain is shut off.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-virsh-off-"));
    const fakeVirsh = path.join(dir, "virsh");
    fs.writeFileSync(fakeVirsh, "#!/bin/sh\necho 'shut off'\n", { mode: 0o755 });
    const probers: Probers = {
        virsh: (host) => virshAt(host, fakeVirsh),
        probe: async () => { throw new Error("a shut-off node is never probed over SSH"); },
    };
    afterEach(() => { vi.restoreAllMocks(); });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    function capture() {
        const out: string[] = [];
        const err: string[] = [];
        vi.spyOn(console, "log").mockImplementation((t: string) => { out.push(t); });
        vi.spyOn(console, "error").mockImplementation((t: string) => { err.push(t); });
        return { out, err };
    }

    it("says the stack is stopped and how to start it, instead of a line per node, and exits 1", async () => {
        const { out, err } = capture();
        expect(await status(info, 0, () => probers)).toBe(1);
        expect(err).toEqual([stoppedLine("ci")]);
        expect(stoppedLine("ci")).toBe("stack 'ci' is stopped: every node is shut off, its disk kept (make start STACK=ci, or make up, starts it)");
        expect(out.join("\n")).toContain("domain is shut off");
    });

    it("says so in --json too", async () => {
        const { out } = capture();
        await status(info, 0, () => probers, true);
        expect(JSON.parse(out.join("\n"))).toMatchObject({ stack: "ci", healthy: false, stopped: true });
    });
});
