// Which stack make's targets act on, as Pulumi's own commands pick it: STACK=NAME, else the
// stack `pulumi stack select` chose; with neither, make stops and says how to choose one.
// Each case on a Pulumi home and state backend of its own (nothing of the user's is read).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.join(__dirname, "..", "..");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "make-stack-"));
const env: NodeJS.ProcessEnv = {
    ...process.env, PULUMI_HOME: path.join(scratch, "home"), PULUMI_BACKEND_URL: `file://${scratch}`,
    PULUMI_CONFIG_PASSPHRASE: "unit", PULUMI_SKIP_UPDATE_CHECK: "true",
};
delete env.MODE; // vitest's, which the Makefile would take for the lab's MODE=
delete env.STACK;
const STACK = "unit-selected";
afterAll(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.rmSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), { force: true });
});

/** `make -n TARGET ARGS`: the recipe make would run, or its error. */
function dryRun(...args: string[]): { out: string; ok: boolean } {
    const r = spawnSync("make", ["-n", "--no-print-directory", ...args], { cwd: ROOT, env, encoding: "utf8" });
    return { out: `${r.stdout}${r.stderr}`.trim(), ok: r.status === 0 };
}

/** pulumi, with the project's environment, on the scratch home and backend. */
function pulumi(...args: string[]): void {
    const r = spawnSync("bash", ["-c", '. scripts/lib/common.sh && lab_load_env && pulumi "$@"', "pulumi", ...args], { cwd: ROOT, env, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
}

describe("make's stack", () => {
    it("with none given and none selected, stops before running anything and says how to choose one", () => {
        const r = dryRun("status");
        expect(r.ok).toBe(false);
        expect(r.out).toContain("no stack given and none selected: choose one with pulumi stack select NAME");
    });

    it("is the selected stack when none is given, and STACK= overrides it", () => {
        pulumi("stack", "init", STACK, "--secrets-provider", "passphrase");
        expect(dryRun("status")).toEqual({ out: `scripts/lab.sh --stack ${STACK} status`, ok: true });
        expect(dryRun("exec", "N=2", "CMD=sinfo")).toEqual({ out: `scripts/lab.sh --stack ${STACK} exec 2 "$CMD"`, ok: true });
        expect(dryRun("status", "STACK=ci")).toEqual({ out: "scripts/lab.sh --stack ci status", ok: true });
    }, 60_000);
});

describe("make exec's CMD", () => {
    /** CMD as make's recipes get it (the environment exec's recipe hands to the node), through a target of the test's own. */
    const cmdSeen = (...args: string[]) => spawnSync("make", ["-s", "--no-print-directory", "--eval", 'show-cmd: ; @printf "%s" "$$CMD"', "show-cmd", ...args],
        { cwd: ROOT, env, encoding: "utf8" }).stdout;

    it("reaches the recipe as given: make expands none of its $ (a shell variable, a command substitution)", () => {
        const cmd = `echo "$HOSTNAME" $(id -un) \$HOME 'a b'`;
        expect(cmdSeen(`CMD=${cmd}`, "STACK=ci")).toBe(cmd);
    });

    it("is hostname when none is given", () => {
        expect(cmdSeen("STACK=ci")).toBe("hostname");
    });
});
