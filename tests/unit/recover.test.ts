// lab/recover.ts: which of a stack's locks belong to a run that no longer runs, and where a
// file backend keeps them. (Its orphans: orphans.test.ts; the whole recovery after a real
// kill -9: the e2e's scale-out and the test API's own stack.)
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { lockDir, staleLockPids } from "../../lab/recover";

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "recover-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe("stale locks", () => {
    it("lives under the file backend's .pulumi/locks, by project and stack; other backends have none here", () => {
        expect(lockDir("ci", { PULUMI_BACKEND_URL: "file:///state/backend" }))
            .toBe("/state/backend/.pulumi/locks/organization/clusteros-lab/ci");
        expect(lockDir("ci", { CLUSTEROS_LAB_STATE: "/st" })).toBe("/st/backend/.pulumi/locks/organization/clusteros-lab/ci");
        expect(lockDir("ci", { PULUMI_BACKEND_URL: "https://api.pulumi.com" })).toBeUndefined();
    });

    it("are this host's locks whose process is gone; a running one and another host's are left alone", () => {
        const dir = path.join(scratch, "locks");
        fs.mkdirSync(dir);
        const lock = (file: string, pid: number, hostname: string) =>
            fs.writeFileSync(path.join(dir, file), JSON.stringify({ pid, hostname, username: "root", timestamp: "2026-12-03T00:00:00Z" }));
        lock("a.json", 111, "here");
        lock("b.json", 222, "here");
        lock("c.json", 333, "elsewhere");
        fs.writeFileSync(path.join(dir, "d.json"), "{ half-writ");
        const running = new Set([222]);
        expect(staleLockPids(dir, (pid) => running.has(pid), "here")).toEqual([111]);
        expect(staleLockPids(path.join(scratch, "none"), () => false, "here")).toEqual([]);
        expect(staleLockPids(undefined)).toEqual([]);
    });
});
