// withProgress: a step that may take minutes (a Go build, the Debian base, the Kubernetes
// bundle), its standard error in a log file. On a terminal one line counts the time it has
// taken so far, with the time it took when it last did real work (kept per key in the cache)
// as the estimate. Off a terminal (CI) it prints nothing unless the step fails; then, on both,
// the log's last lines and where the whole log is. (setup.sh, which runs before Node exists,
// has the same in bash: scripts/lib/progress.sh.)
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cacheDir } from "../components/plan/paths";
import { LabError } from "./errors";

export class StepFailed extends LabError {}

export async function withProgress(what: string, key: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
    const times = path.join(cacheDir(env), "durations");
    fs.mkdirSync(times, { recursive: true });
    const logFile = path.join(fs.mkdtempSync(path.join(env.TMPDIR ?? os.tmpdir(), `clusteros-lab-${key}.`)), "stderr.log");
    const last = fs.existsSync(path.join(times, key)) ? fs.readFileSync(path.join(times, key), "utf8").trim() : "";
    const t0 = Date.now();
    const elapsed = () => Math.round((Date.now() - t0) / 1000);
    const tty = process.stderr.isTTY;
    const ticker = tty ? setInterval(() => process.stderr.write(`\r==> ${what}: ${elapsed()}s${last ? ` (it took ${last}s last time)` : ""} `), 1000) : undefined;
    const log = fs.openSync(logFile, "w");
    const code = await new Promise<number>((done) => {
        const child = spawn(argv[0], argv.slice(1), { env, stdio: ["ignore", "ignore", log] });
        child.on("close", (c) => done(c ?? 1));
        child.on("error", (e) => { fs.writeSync(log, `${e.message}\n`); done(1); });
    });
    fs.closeSync(log);
    if (ticker) { clearInterval(ticker); process.stderr.write("\r\x1b[K"); }
    const took = elapsed();
    if (code !== 0) {
        process.stderr.write(`${fs.readFileSync(logFile, "utf8").split("\n").slice(-31).join("\n")}\n`);
        throw new StepFailed(`${what} failed after ${took}s (exit ${code}); its whole log: ${logFile}`);
    }
    fs.rmSync(path.dirname(logFile), { recursive: true, force: true });
    // Only real work is an estimate: a step that found its result cached takes a second.
    if (took >= 10) {
        fs.writeFileSync(path.join(times, key), `${took}\n`);
        if (tty) process.stderr.write(`==> ${what}: done in ${took}s\n`);
    }
}
