// The whole project type-checks (tsc, tsconfig.json): the program, the CLI, the test API and
// every test. Pulumi runs the program without checking its types (PULUMI_NODEJS_TRANSPILE_ONLY,
// scripts/lib/common.sh), so this is where a type error is caught.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.join(__dirname, "..", "..");

describe("types", () => {
    it("tsc --noEmit finds no error in the project", () => {
        const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", path.join(ROOT, "tsconfig.json")],
            { encoding: "utf8" });
        expect(r.stdout + r.stderr, "tsc's errors").toBe("");
        expect(r.status).toBe(0);
    }, 300_000);
});
