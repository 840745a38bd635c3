// The stack's network pre-seed (its secret bareMetal output: { files: [{ path, mode, content
// }], enableUnits: [unit] }) as a tar archive the installer unpacks over the installed root:
// each file with its mode, each unit enabled the way systemctl enable does (a link in
// multi-user.target.wants). Laid out in a private directory first.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { LabError } from "../errors";

export interface Preseed {
    files: { path: string; mode: string; content: string }[];
    enableUnits?: string[];
}

/** Lays the pre-seed out under `dir` as it will sit in the installed root. */
export function preseedTree(dir: string, preseed: Preseed): void {
    if (!preseed || !Array.isArray(preseed.files)) throw new LabError("the bareMetal output has no files (is bareMetal.network set on the stack?)");
    const inside = (p: string) => {
        const full = path.join(dir, p);
        if (!path.isAbsolute(p) || !full.startsWith(path.resolve(dir) + path.sep)) throw new LabError(`the bareMetal output names a bad path: ${p}`);
        return full;
    };
    for (const f of preseed.files) {
        const full = inside(f.path);
        fs.mkdirSync(path.dirname(full), { recursive: true, mode: 0o755 });
        fs.writeFileSync(full, f.content, { mode: parseInt(f.mode, 8) });
        fs.chmodSync(full, parseInt(f.mode, 8));
    }
    for (const unit of preseed.enableUnits ?? []) {
        const link = inside(`/etc/systemd/system/multi-user.target.wants/${unit}`);
        fs.mkdirSync(path.dirname(link), { recursive: true, mode: 0o755 });
        fs.rmSync(link, { force: true });
        fs.symlinkSync(`/lib/systemd/system/${unit}`, link);
    }
}

/** The pre-seed as the tar archive `tar`, laid out in `tree` (made private, removed after). */
export function preseedTar(preseed: Preseed, tree: string, tar: string): void {
    fs.mkdirSync(tree, { mode: 0o700 });
    try {
        preseedTree(tree, preseed);
        // Files and links only: directories the archive named would take their modes over the
        // installed system's own (/, /etc, /var/lib); the installer creates missing ones.
        const entries: string[] = [];
        const walk = (d: string): void => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => {
            const rel = path.relative(tree, path.join(d, e.name));
            if (e.isDirectory()) walk(path.join(d, e.name));
            else entries.push(`./${rel}`);
        });
        walk(tree);
        entries.sort();
        execFileSync("tar", ["--owner=0", "--group=0", "--numeric-owner", "--no-recursion", "-C", tree, "-T", "-", "-cf", tar],
            { input: entries.join("\n") + "\n", stdio: ["pipe", "ignore", "pipe"] });
    } finally {
        fs.rmSync(tree, { recursive: true, force: true });
    }
}
