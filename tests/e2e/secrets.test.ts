// Secrets at rest, on a cluster that has run: the files that hold them are private, the state
// does not open with the published passphrase, and no secret of the stack is in the serial
// logs or in lab status. A checkpoint is saved first: destroy (in e2e.sh's cleanup) must
// remove a stack that still holds one.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { stateDir } from "../../components/plan/paths";
import { e2e, expectOk, inHost, modeOf, prefixOf, pulumi, run, script } from "./context";

const prefix = () => prefixOf(e2e.stack);
const pool = () => `/var/lib/libvirt/images/${prefix()}`;
const octal = (file: string) => `${file} is mode ${modeOf(file).toString(8)}`;

/**
 * The stack's hex secrets (cluster key, K3s token) from its state. --show-secrets still wraps
 * a secret: { <signature>: ..., plaintext: "<JSON of the value>" }.
 */
async function stackSecretValues(): Promise<string[]> {
    const r = await pulumi("stack", "export", "--stack", e2e.stack, "--show-secrets");
    expectOk(r, "pulumi stack export");
    const resources: { type: string; outputs?: Record<string, unknown> }[] = JSON.parse(r.stdout).deployment?.resources ?? [];
    const plain = (v: unknown) => (v !== null && typeof v === "object" && "plaintext" in v ? JSON.parse(String(v.plaintext)) : v);
    return resources.filter((res) => res.type.endsWith(":RandomBytes") && res.outputs?.encoding === "hex")
        .map((res) => plain(res.outputs?.value)).filter((v): v is string => typeof v === "string");
}

describe("secrets at rest", () => {
    it("a checkpoint saved before destroy", async () => {
        expectOk(await run(inHost([script("lab.sh"), "--stack", e2e.stack, "checkpoint", "save", "final"])), "lab checkpoint save");
    }, 600_000);

    it("the pool directory cannot be listed or read by other users", () => {
        expect(modeOf(pool()) & 0o044, octal(pool())).toBe(0);
    });

    it("seed ISOs and node disks (they hold the secrets) are readable by their owner only", () => {
        const files = fs.readdirSync(pool()).filter((f) => /-cidata-.*\.iso$|-disk\.qcow2$/.test(f)).map((f) => path.join(pool(), f));
        expect(files.length, "seeds and disks in the pool").toBeGreaterThan(0);
        expect(files.filter((f) => (modeOf(f) & 0o077) !== 0).map(octal)).toEqual([]);
    });

    it("the seeds built before upload are in a directory only root can enter", () => {
        const dir = path.join(stateDir(), "seeds", prefix());
        expect(modeOf(dir) & 0o077, octal(dir)).toBe(0);
    });

    it("the published passphrase (clusteros-lab) does not open the stack's state", async () => {
        const r = await run(["pulumi", "stack", "export", "--stack", e2e.stack, "--show-secrets"],
            { env: { PULUMI_CONFIG_PASSPHRASE_FILE: "", PULUMI_CONFIG_PASSPHRASE: "clusteros-lab" } });
        expect(r.code).not.toBe(0);
    });

    it.runIf(process.env.PULUMI_CONFIG_PASSPHRASE_FILE)("the state passphrase file is readable by its owner only", () => {
        const file = process.env.PULUMI_CONFIG_PASSPHRASE_FILE ?? "";
        expect(modeOf(file) & 0o077, octal(file)).toBe(0);
    });

    it("no secret of the stack (cluster key, K3s token, private keys) in its serial logs or in lab status", async () => {
        const secrets = await stackSecretValues();
        expect(secrets.length, "the stack has secrets to look for").toBeGreaterThanOrEqual(2);
        const logs = fs.readdirSync("/var/log/libvirt/qemu").filter((f) => f.startsWith(`${prefix()}-node-`) && f.endsWith("-serial.log"));
        expect(logs.length, "serial logs").toBeGreaterThan(0);
        const status = (await run([script("lab.sh"), "--stack", e2e.stack, "status"])).output;
        const leaks = [
            ...logs.map((f) => [f, fs.readFileSync(path.join("/var/log/libvirt/qemu", f), "latin1")] as const),
            ["lab status", status] as const,
        ].filter(([, text]) => text.includes("PRIVATE KEY") || secrets.some((s) => text.includes(s))).map(([where]) => where);
        expect(leaks, "where a secret shows").toEqual([]);
    }, 300_000);
});
