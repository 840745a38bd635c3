// make help lists every make target with what it does: the .PHONY list and help agree.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.join(__dirname, "..", "..");

describe("make help", () => {
    it("lists every target of the Makefile, each with a description", () => {
        const env = { ...process.env };
        delete env.MODE; // vitest's, which the Makefile would take for the lab's MODE=
        const lines = execFileSync("make", ["-s", "--no-print-directory", "help"], { cwd: ROOT, encoding: "utf8", env }).trim().split("\n");
        const listed = lines.map((l) => l.trim().split(/\s+/)[0]);
        const phony = (fs.readFileSync(path.join(ROOT, "Makefile"), "utf8").match(/^\.PHONY:(.*)$/m)?.[1] ?? "").trim().split(/\s+/);
        expect([...listed].sort()).toEqual([...phony].sort());
        for (const l of lines) expect(l.trim().split(/\s{2,}/)[1] ?? "", l).not.toBe("");
    });
});
