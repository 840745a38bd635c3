// `lab usb` (and make usb, through the same script): the stack's image as release artifacts,
// in a directory relative to where the command runs, so a ClusterOS repository that installed
// the lab as a package gets them in its own dist/, which is also where a stack's
// provisioning network looks for its tree by default (config key netbootTree).
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { PROJECT_ROOT } from "../components/plan/paths";

export interface UsbOptions {
    /** Where the artifacts go (relative: to the working directory). */
    dist: string;
    /** A NoCloud seed for every machine. */
    seed?: string;
    /** A NoCloud seed per machine, by machine ID. */
    seeds?: string;
    /** install.conf. */
    config?: string;
    /** Where the network boot tree fetches over HTTP (NETBOOT_HTTP: HOST, HOST:PORT, :PORT); else TFTP. */
    netbootHttp?: string;
}

/** The environment scripts/usb.sh takes its options from, each path absolute. */
export function usbEnv(o: UsbOptions, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
    const abs = (p?: string) => (p === undefined ? undefined : path.resolve(p));
    const out: NodeJS.ProcessEnv = { ...env };
    for (const [key, value] of [["SEED", abs(o.seed)], ["SEEDS", abs(o.seeds)], ["INSTALL_CONF", abs(o.config)], ["NETBOOT_HTTP", o.netbootHttp]] as const) {
        if (value === undefined) delete out[key];
        else out[key] = value;
    }
    return out;
}

/** Writes the stack's artifacts; the exit code of scripts/usb.sh, which says what it wrote or why not. */
export function usb(stack: string, o: UsbOptions): number {
    const r = spawnSync(path.join(PROJECT_ROOT, "scripts", "usb.sh"), [stack, path.resolve(o.dist)], { stdio: "inherit", env: usbEnv(o) });
    return r.status ?? 1;
}
