// Whether an unprivileged user of this machine (libvirt's dnsmasq, NETBOOT_READER) can reach
// a directory: every directory above it must let that user enter, by its mode bits for
// others or by an ACL entry of that user (getfacl). The directory's own contents are make
// usb's to grant (lab/release/netboot-tree.ts).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

function aclLetsIn(user: string, dir: string): boolean {
    const r = spawnSync("getfacl", ["-cp", dir], { encoding: "utf8", timeout: 10_000 });
    return r.status === 0 && r.stdout.split("\n").some((l) => new RegExp(`^user:${user}:..x`).test(l.trim()));
}

/** Why `user` cannot enter the directories above `dir`, or undefined when it can. */
export function unreachableBy(user: string, dir: string): string | undefined {
    for (let d = path.dirname(path.resolve(dir)); ; d = path.dirname(d)) {
        let mode: number;
        try {
            mode = fs.statSync(d).mode;
        } catch {
            return `${d} cannot be read`;
        }
        if ((mode & 0o001) === 0 && !aclLetsIn(user, d)) return `${d} is mode ${(mode & 0o777).toString(8).padStart(4, "0")}: others may not enter it`;
        if (d === path.dirname(d)) return undefined;
    }
}
