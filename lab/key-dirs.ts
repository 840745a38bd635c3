// Private temporary directories that hold a node's SSH key for one command (the provider's
// remote steps, components/providers/remote-command.ts; the CLI and the test API,
// cli/ssh.ts keyFile). Each is removed when its command ends; a process killed with SIGKILL
// cannot, so the directory is named after the process's pid, and what dead processes left is
// removed by the recovery every `make up` runs (lab/recover.ts) and by the sweep of killed
// test runs (lab/sweep.ts).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { alive } from "./processes";

/** A key directory's name: the prefix, the pid of the process that made it, mkdtemp's suffix. */
export const KEY_DIR = /^clusteros-key-(\d+)-[A-Za-z0-9]{6}$/;

/** Makes a private (0700) key directory for this process. */
export function makeKeyDir(tmp = os.tmpdir()): string {
    return fs.mkdtempSync(path.join(tmp, `clusteros-key-${process.pid}-`));
}

/** Removes this user's key directories whose process no longer runs; returns their paths. */
export function removeDeadKeyDirs(tmp = os.tmpdir(), isAlive: (pid: number) => boolean = alive): string[] {
    const uid = process.getuid?.();
    return fs.readdirSync(tmp).flatMap((name) => {
        const m = KEY_DIR.exec(name);
        const dir = path.join(tmp, name);
        if (!m || isAlive(Number(m[1]))) return [];
        try {
            if (fs.lstatSync(dir).uid !== uid) return [];
            fs.rmSync(dir, { recursive: true, force: true });
            return [dir];
        } catch {
            return [];
        }
    });
}
