// `lab logs`: what stops this user reading a node's serial console log, said plainly. virtlogd
// (root's) writes it readable by root only, so a user in the libvirt group is told how to
// read it (sudo) or watch the console instead; a node on another host keeps its log there.
import * as fs from "node:fs";

/** Why `file` cannot be read here, with the commands that work instead; undefined when it can. */
export function serialLogProblem(file: string, lab: string, n: string,
    canRead: (file: string) => void = (f) => fs.accessSync(f, fs.constants.R_OK)): string | undefined {
    if (!fs.existsSync(file)) {
        return `node ${n} has no serial log at ${file} on this host (a node on another host keeps it there): ${lab} console ${n}`;
    }
    try {
        canRead(file);
        return undefined;
    } catch {
        return `node ${n}'s serial log ${file} is readable by root only (libvirt's virtlogd writes it): `
            + `sudo ${lab} logs ${n}, or watch the console as you are: ${lab} console ${n}`;
    }
}
