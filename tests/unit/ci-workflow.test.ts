// The example CI workflow for users (docs/examples/github-workflow.yml): actionlint (built by
// `make setup`) finds nothing in it, and what it runs exists here: its make targets and the
// variables it sets are the ones the Makefile and the test scripts read.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = path.resolve(__dirname, "../..");
const WORKFLOW = path.join(ROOT, "docs/examples/github-workflow.yml");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "workflow-"));
// The runner label the example asks for; a repository using it declares it the same way.
const CONFIG = path.join(dir, "actionlint.yaml");
fs.writeFileSync(CONFIG, "self-hosted-runner:\n  labels: [kvm]\n");

function actionlint(file: string): { status: number | null; output: string } {
    const r = spawnSync("actionlint", ["-no-color", "-config-file", CONFIG, file], { encoding: "utf8" });
    if (r.error) throw new Error(`actionlint is not on PATH: run make setup, then eval "$(make -s env)" (${r.error.message})`);
    return { status: r.status, output: r.stdout + r.stderr };
}

interface Step { run?: string; env?: Record<string, string> }
const steps: Step[] = Object.values(parse(fs.readFileSync(WORKFLOW, "utf8")).jobs as Record<string, { steps: Step[] }>)
    .flatMap((j) => j.steps);

describe("the example CI workflow", () => {
    it("passes actionlint (expressions, action inputs, runner labels, shellcheck of each run)", () => {
        const r = actionlint(WORKFLOW);
        expect(r.output).toBe("");
        expect(r.status).toBe(0);
    });

    it("would fail actionlint if it were wrong", () => {
        const broken = path.join(dir, "broken.yml");
        fs.writeFileSync(broken, fs.readFileSync(WORKFLOW, "utf8").replace("${{ runner.temp }}", "${{ runner.tmp }}"));
        const r = actionlint(broken);
        expect(r.status).not.toBe(0);
        expect(r.output).toMatch(/runner\.tmp|property "tmp"/);
    });

    it("runs make targets the Makefile has, with variables the test scripts read", () => {
        const makefile = fs.readFileSync(path.join(ROOT, "Makefile"), "utf8");
        const targets = steps.flatMap((s) => [...(s.run ?? "").matchAll(/\bmake (\w[\w-]*)/g)].map((m) => m[1]));
        expect(targets).toEqual(["setup", "test"]);
        for (const t of targets) expect(makefile).toMatch(new RegExp(`^${t}:`, "m"));
        expect(steps.some((s) => /JUNIT_XML=/.test(s.run ?? ""))).toBe(true);
        expect(fs.readFileSync(path.join(ROOT, "scripts/test.ts"), "utf8")).toContain("JUNIT_XML");
        const env = Object.keys(Object.assign({}, ...steps.map((s) => s.env ?? {})));
        expect(env).toEqual(["E2E_DOMAIN_TYPE"]);
        // The e2e gives it to each stack it makes (lib.sh new_stack, tests/e2e/new-stack.ts).
        expect(fs.readFileSync(path.join(ROOT, "tests/e2e/lib.sh"), "utf8")).toContain('E2E_DOMAIN_TYPE="${E2E_DOMAIN_TYPE:-}"');
        expect(fs.readFileSync(path.join(ROOT, "tests/e2e/new-stack.ts"), "utf8")).toMatch(/E2E_DOMAIN_TYPE.*domainType/);
    });
});
