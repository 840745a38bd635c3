// The Pulumi program the lab's host-side commands act on: the project directory the command
// runs in, found as `pulumi` finds it (the nearest Pulumi.yaml at or above the working
// directory), or this package's own program when there is none. A ClusterOS repository with
// a program of its own (docs/FROM_YOUR_REPOSITORY.md) gets its stacks, stack files and
// libvirt names; this checkout's `make` runs here and gets this project's.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT_ROOT } from "./plan/paths";

const PROJECT_FILES = ["Pulumi.yaml", "Pulumi.yml"];

/** The project file in `dir`, if it has one. */
function projectFileIn(dir: string): string | undefined {
    return PROJECT_FILES.map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
}

/**
 * The directory of the Pulumi program at or above `cwd` (CLUSTEROS_LAB_PROGRAM, which
 * lab-test sets to its caller's directory, else the working directory); this package's when
 * there is none.
 */
export function programDir(cwd: string = process.env.CLUSTEROS_LAB_PROGRAM || process.cwd()): string {
    for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
        if (projectFileIn(dir)) return dir;
        if (path.dirname(dir) === dir) return PROJECT_ROOT;
    }
}

const names = new Map<string, string>();

/** The program's project name (its Pulumi.yaml's `name`): it prefixes the stacks' libvirt objects. */
export function projectName(dir: string = programDir()): string {
    let name = names.get(dir);
    if (name === undefined) {
        const file = projectFileIn(dir);
        name = file ? String(parse(fs.readFileSync(file, "utf8"))?.name ?? "") : "";
        if (!name) throw new Error(`${file ?? path.join(dir, "Pulumi.yaml")} names no project (its 'name:' key)`);
        names.set(dir, name);
    }
    return name;
}
