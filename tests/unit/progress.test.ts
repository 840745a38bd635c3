// lab_progress (scripts/lib/progress.sh): a long step's elapsed time on a terminal, with the
// time it took last time; silence off a terminal; on failure, the log's tail and its path.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.join(__dirname, "..", "..");
const cache = fs.mkdtempSync(path.join(os.tmpdir(), "progress-cache-"));
afterAll(() => fs.rmSync(cache, { recursive: true, force: true }));

/** Runs `lab_progress ARGS` in bash (off a terminal, or on one made by script(1)); its exit code, stdout and stderr. */
function progress(args: string, terminal = false) {
    // As the scripts that use it run: set -euo pipefail.
    const body = `set -euo pipefail; . "${ROOT}/scripts/lib/common.sh"; . "${ROOT}/scripts/lib/progress.sh"; lab_progress ${args}`;
    const env = { ...process.env, CLUSTEROS_LAB_CACHE: cache, TMPDIR: cache };
    const r = terminal
        ? spawnSync("script", ["-qec", `bash -c '${body.replace(/'/g, "'\\''")}'`, "/dev/null"], { encoding: "utf8", env })
        : spawnSync("bash", ["-c", body], { encoding: "utf8", env });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("lab_progress", () => {
    it("off a terminal: prints nothing of its own, passes standard output through, and keeps no log", () => {
        const r = progress(`"a quick step" quick sh -c 'echo result; echo chatter >&2'`);
        expect(r).toEqual({ code: 0, stdout: "result\n", stderr: "" });
        expect(fs.readdirSync(cache).filter((f) => f.startsWith("clusteros-lab-quick"))).toEqual([]);
    });

    it("on failure: the exit code, the log's last lines, and where the whole log is", () => {
        const r = progress(`"the Debian base" debian-base sh -c 'echo step one >&2; echo apt failed >&2; exit 3'`);
        expect(r.code).toBe(3);
        expect(r.stderr).toContain("step one\napt failed\n");
        const log = r.stderr.match(/==> the Debian base failed after \d+s \(exit 3\); its whole log: (\S+)/)?.[1];
        expect(log, r.stderr).toBeDefined();
        expect(fs.readFileSync(log!, "utf8")).toBe("step one\napt failed\n");
    });

    it("on a terminal: counts the seconds, with last time's duration as the estimate", () => {
        fs.mkdirSync(path.join(cache, "durations"), { recursive: true });
        fs.writeFileSync(path.join(cache, "durations", "kubernetes-bundle"), "527\n");
        const r = progress(`"the Kubernetes bundle" kubernetes-bundle sleep 3`, true);
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/==> the Kubernetes bundle: [12]s \(it took 527s last time\)/);
    });
});
