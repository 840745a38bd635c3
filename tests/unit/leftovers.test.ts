// The killed-run check's view of the machine (tests/ci/leftovers.ts): what a killed run added,
// and which of that is still there later.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe as suite, expect, it } from "vitest";
import { added, describe, remaining, snapshot } from "../../tests/ci/leftovers";

suite("leftovers", () => {
    it("are what appeared since, by kind, and count as gone once absent (a process by pid and start time)", () => {
        const before = { namespaces: ["user-ns"], processes: ["10:500 bash"], stacks: [] };
        const after = { namespaces: ["user-ns", "clab-e2e-7"], processes: ["10:500 bash", "11:900 libvirtd", "12:901 qemu"], stacks: [] };
        const left = added(before, after);
        expect(left).toEqual({ namespaces: ["clab-e2e-7"], processes: ["11:900 libvirtd", "12:901 qemu"] });
        // libvirtd stopped; qemu's pid now belongs to another process (another start time).
        expect(remaining(left, { namespaces: ["user-ns", "clab-e2e-7"], processes: ["12:950 qemu"] })).toEqual({ namespaces: ["clab-e2e-7"] });
        expect(remaining(left, { namespaces: ["user-ns"], processes: [] })).toEqual({});
        expect(describe({ namespaces: ["a", "b"] })).toBe("2 namespaces (a, b)");
        expect(describe({})).toBe("nothing");
    });

    it("sees a process and a scratch directory that appear, and not once they are gone", async () => {
        const before = snapshot();
        const child = spawn("sleep", ["30"]);
        const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "clusteros-e2e."));
        await new Promise((r) => setTimeout(r, 200));
        const left = added(before, snapshot());
        expect(left.processes?.some((p) => p.startsWith(`${child.pid}:`) && p.endsWith(" sleep"))).toBe(true);
        expect(left.scratch).toEqual([scratch]);
        child.kill("SIGKILL");
        fs.rmSync(scratch, { recursive: true });
        await new Promise((r) => child.on("exit", r));
        const still = remaining(left, snapshot());
        expect(still.processes ?? []).not.toContainEqual(expect.stringMatching(new RegExp(`^${child.pid}:`)));
        expect(still.scratch).toBeUndefined();
    });
});
