// What the e2e runs beside its own phases (tests/e2e/lib.sh beside, join_beside, stop_beside):
// a part that failed fails the run when joined, and a run that ends early stops what still
// runs beside, with every process under it.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
let work = "";
afterEach(() => { if (work) fs.rmSync(work, { recursive: true, force: true }); });

/** Runs `script` in bash with tests/e2e/lib.sh loaded and WORK set; its standard output. */
function lib(script: string): string {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-beside-"));
    return execFileSync("bash", ["-c", `set -u; . tests/e2e/lib.sh; WORK="$1"; FAILED=0; ${script}`, "_", work],
        // A script that hangs fails its test instead of hanging the run.
        { cwd: ROOT, env: { ...process.env, LAB_ROOT: ROOT, E2E_RESULTS: path.join(work, "e2e.txt") }, encoding: "utf8", timeout: 20_000 });
}

/** Whether pid runs: it exists and is not a zombie left for its new parent to reap. */
const alive = (pid: number) => {
    try {
        return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
        return false;
    }
};

describe("beside", () => {
    it("a part that fails sets FAILED when it is joined", () => {
        expect(lib(`beside broken false; join_beside broken; echo "FAILED=$FAILED"`)).toContain("FAILED=1");
    });

    it("a part whose failed check is followed by a passing command still fails the run when joined", () => {
        // The check is recorded (e2e.txt) and its FAILED set in the part's own shell, not this one.
        const out = lib(`part() { check "an early check" false; check "a later check" true; }
            beside part part; join_beside; echo "FAILED=$FAILED"`);
        expect(out).toContain("FAIL: an early check");
        expect(out).toContain("FAILED=1");
    });

    it("stop_beside stops what still runs, its children too, before its next command runs, and shows its output", () => {
        const out = lib(`
            part() { echo started; sleep 300 & echo "child $!"; wait; echo "next command ran" > "$WORK/next"; }
            beside part part
            for _ in $(seq 50); do grep -q child "$WORK/part.out" && break; sleep 0.1; done
            stop_beside; sleep 0.3; echo "left: \${#BESIDE[@]}"; [ -e "$WORK/next" ] && echo "the next command ran" || true`);
        const child = Number(/child (\d+)/.exec(out)?.[1]);
        expect(out).toContain("--- part, which ran beside (stopped):\nstarted");
        expect(out).toContain("left: 0");
        expect(out).not.toContain("the next command ran");
        expect(child).toBeGreaterThan(0);
        expect(alive(child), `the part's child ${child} still runs`).toBe(false);
    });
});
