// A node's SSH key in a private temporary directory named after its process: what a killed
// process leaves is found and removed, nothing else is.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { KEY_DIR, makeKeyDir, removeDeadKeyDirs } from "../../lab/key-dirs";

describe("key directories", () => {
    it("are private and carry their process's pid", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kd-"));
        const dir = makeKeyDir(tmp);
        expect(KEY_DIR.exec(path.basename(dir))?.[1]).toBe(String(process.pid));
        expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("are removed once their process is gone, and only theirs", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kd-"));
        for (const d of ["clusteros-key-111-abc123", "clusteros-key-222-def456", "clusteros-e2e.x1y2z3", "clusteros-key-333"]) {
            fs.mkdirSync(path.join(tmp, d));
            fs.writeFileSync(path.join(tmp, d, "key"), "secret", { mode: 0o600 });
        }
        const removed = removeDeadKeyDirs(tmp, (pid) => pid === 222);
        expect(removed).toEqual([path.join(tmp, "clusteros-key-111-abc123")]);
        expect(fs.readdirSync(tmp).sort()).toEqual(["clusteros-e2e.x1y2z3", "clusteros-key-222-def456", "clusteros-key-333"]);
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("are what the provider's remote steps make too (a killed pulumi's are found)", () => {
        const source = fs.readFileSync(path.join(__dirname, "..", "..", "components", "providers", "remote-command.ts"), "utf8");
        const made = /mkdtempSync\(path\.join\(os\.tmpdir\(\), `([^`]*)`\)\)/.exec(source)?.[1];
        expect(made).toBe("clusteros-key-${process.pid}-");
        expect(KEY_DIR.test(`${made!.replace("${process.pid}", "4242")}Ab12Cd`)).toBe(true);
    });
});
