// `lab usb` and make usb: the stack's image as release artifacts (release/artifacts.ts), with
// the stack's bare-metal network pre-seed (its secret bareMetal output) when it has one, and
// the seeds of its bareMetalNodes (its secret bareMetalSeeds output) beside the user's own. The
// directory is relative to where the command runs, so a ClusterOS repository that installed
// the lab as a package gets them in its own dist/, which is also where a stack's provisioning
// network looks for its tree by default (config key netbootTree).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { run, Runner } from "../cli/stack";
import { log } from "./daemon";
import { LabError } from "./errors";
import { releaseArtifacts } from "./release/artifacts";
import type { Preseed } from "./release/preseed";
import { seedsTree, StackSeed } from "./release/seeds";

export interface UsbOptions {
    /** Where the artifacts go (relative: to the working directory). */
    dist: string;
    /** A NoCloud seed for every machine. */
    seed?: string;
    /** A NoCloud seed per machine, by machine ID. */
    seeds?: string;
    /** install.conf. */
    config?: string;
    /** Where the network boot tree fetches over HTTP (HOST, HOST:PORT, :PORT); else TFTP. */
    netbootHttp?: string;
}

/** A stack output as JSON (secrets shown: they stay in this process), undefined when the stack has none. */
function output(stack: string, name: string, runner: Runner): unknown {
    try {
        return JSON.parse(runner("pulumi", ["stack", "output", name, "--stack", stack, "--show-secrets", "--json"]));
    } catch {
        return undefined;
    }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** Writes the stack's artifacts into o.dist; 0 once written or found up to date. */
export async function usb(stack: string, o: UsbOptions, runner: Runner = run): Promise<number> {
    const image = output(stack, "image", runner);
    if (!isObject(image) || typeof image.path !== "string") throw new LabError(`stack ${stack} has no image output: make up STACK=${stack} first`);
    const abs = (p?: string) => (p === undefined ? undefined : path.resolve(p));
    const bareMetal = output(stack, "bareMetal", runner);
    if (!isObject(bareMetal)) log("no network pre-seed (config key bareMetal.network is not set): installed machines use DHCP via cloud-init");
    const stackSeeds = output(stack, "bareMetalSeeds", runner);
    // The stack's seeds are secrets: written only into a private directory, removed after.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "clusteros-usb-"));
    try {
        let seeds = abs(o.seeds);
        if (isObject(stackSeeds)) {
            log(seedsTree(path.join(tmp, "seeds"), stackSeeds as Record<string, StackSeed>, seeds));
            seeds = path.join(tmp, "seeds");
        }
        releaseArtifacts(path.dirname(image.path), path.resolve(o.dist), {
            seed: abs(o.seed), seeds, config: abs(o.config), netbootHttp: o.netbootHttp,
            ...(isObject(bareMetal) ? { preseed: bareMetal as unknown as Preseed } : {}),
        });
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
    return 0;
}
