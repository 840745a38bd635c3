// Every shell script of the project passes shellcheck (warnings and errors).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.join(__dirname, "..", "..");
const DIRS = ["scripts", "scripts/lib", "images", "images/debian", "images/ubuntu", "images/common/provision",
    "images/installer", "images/common/initramfs", "images/common/cloud", "tests/e2e", "bench", ".ci", "cli",
    "cloud-init/files", "cloud-init/membership", "cloud-init/node-agent", "cloud-init/agent", "examples/serf-agent"];
/** Shell files without the .sh suffix, named as the tools that run them want. */
const NAMED = new Set(["run", "clusteros-install", "zz-clusteros-local-root", "clusteros-static-ipv4"]);

function scripts(): string[] {
    return DIRS.flatMap((d) => fs.readdirSync(path.join(ROOT, d), { withFileTypes: true })
        .filter((e) => e.isFile() && (e.name.endsWith(".sh") || NAMED.has(e.name)))
        .map((e) => path.join(d, e.name)));
}

describe("shell scripts", () => {
    it("pass shellcheck", () => {
        const files = scripts();
        expect(files.length).toBeGreaterThan(15);
        let out = "";
        try {
            execFileSync("shellcheck", ["-x", "-S", "warning", ...files], { cwd: ROOT, encoding: "utf8", stdio: "pipe" });
        } catch (e) {
            out = (e as { stdout?: string }).stdout ?? String(e);
        }
        expect(out).toBe("");
    });
});
