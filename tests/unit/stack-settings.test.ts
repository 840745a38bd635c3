// `lab up` and `lab image` read the stack's settings before anything else: a stack that does
// not exist, or whose settings file is not valid YAML, stops them with the stack's name and the
// fix. Read as no settings, they meant the default flavor, and its first step downloads Ubuntu's
// cloud image from the internet. Each case on a Pulumi home and state backend of its own.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.join(__dirname, "..", "..");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "stack-settings-"));
const env: NodeJS.ProcessEnv = {
    ...process.env, PULUMI_HOME: path.join(scratch, "home"), PULUMI_BACKEND_URL: `file://${scratch}`,
    PULUMI_CONFIG_PASSPHRASE: "unit", PULUMI_SKIP_UPDATE_CHECK: "true",
    // A fetch, if one were tried, fails at once instead of reaching out.
    https_proxy: "http://127.0.0.1:9", http_proxy: "http://127.0.0.1:9",
};
const BROKEN = "unit-broken-settings";
afterAll(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.rmSync(path.join(ROOT, `Pulumi.${BROKEN}.yaml`), { force: true });
});

const lab = (...args: string[]) => {
    const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "tsx"), [path.join(ROOT, "cli", "lab.ts"), ...args], { cwd: ROOT, env, encoding: "utf8" });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
};

describe("a stack whose settings cannot be read", () => {
    it("lab image on a stack that does not exist: refused, naming it and pulumi stack init, nothing fetched", () => {
        const r = lab("--stack", "unit-no-such-stack", "image");
        expect(r.code).not.toBe(0);
        expect(r.out).toContain("the settings of stack unit-no-such-stack could not be read");
        expect(r.out).toContain("pulumi stack init unit-no-such-stack");
        expect(r.out).not.toMatch(/Ubuntu|cloud image|curl/);
    }, 60_000);

    it("lab up on a stack whose settings file is not valid YAML (two config blocks): refused, naming the file, nothing fetched", () => {
        expect(spawnSync("pulumi", ["stack", "init", BROKEN, "--secrets-provider", "passphrase", "--no-select"], { cwd: ROOT, env }).status).toBe(0);
        fs.writeFileSync(path.join(ROOT, `Pulumi.${BROKEN}.yaml`), "config:\n  clusteros-lab:imageFlavor: debian-12\nconfig:\n  clusteros-lab:nodeCount: \"1\"\n");
        const r = lab("--stack", BROKEN, "up");
        expect(r.code).not.toBe(0);
        expect(r.out).toContain(`the settings of stack ${BROKEN} could not be read`);
        expect(r.out).toContain(`Pulumi.${BROKEN}.yaml`);
        expect(r.out).not.toMatch(/Ubuntu|cloud image|curl/);
    }, 60_000);
});
