// What an interrupted `pulumi up` (Ctrl-C, kill -9, a crash) leaves behind, cleared so that
// one up converges. The one implementation: `make up` and `make image` run it through `lab
// recover` and `lab up`/`lab image` (lab/up.ts), LabCluster.up calls it before its update.
//   - a lock whose process is gone (this host's, by pid): cancelled, with a message;
//   - libvirt objects that a run made but never recorded (lab/orphans.ts: pending creates,
//     and a node's domain defined by a create whose start failed), removed on the host whose
//     provider made them; only names with the stack's own prefix are ever touched;
//   - pending operations: dropped from the state with a refresh, so the update makes them
//     again. Remote scripts need nothing here: they take a lock on the node
//     (components/providers/remote-command.ts);
//   - the private key directories of killed processes (lab/key-dirs.ts).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Stack, StackNotFoundError } from "@pulumi/pulumi/automation";
import { projectName } from "../components/program-dir";
import { libvirtPrefix } from "../components/plan/names";
import { stateDir } from "../components/plan/paths";
import { LabError } from "./errors";
import { Deployment, DOMAIN, hostUris, Orphan, orphansOf } from "./orphans";
import { removeDeadKeyDirs } from "./key-dirs";
import { alive } from "./processes";
import { projectStack } from "./stacks";

/** Where a file backend (PULUMI_BACKEND_URL file://..., the lab's default) keeps the stack's locks; undefined for other backends. */
export function lockDir(stack: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    const url = env.PULUMI_BACKEND_URL || `file://${path.join(stateDir(env), "backend")}`;
    if (!url.startsWith("file://")) return undefined;
    return path.join(url.slice("file://".length), ".pulumi", "locks", "organization", projectName(), stack);
}

/** The pids of this host's processes that locked the stack and no longer run. */
export function staleLockPids(dir: string | undefined, isAlive: (pid: number) => boolean = alive, hostname = os.hostname()): number[] {
    if (!dir || !fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).filter((f) => f.endsWith(".json")).flatMap((f) => {
        try {
            const lock = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as { pid?: number; hostname?: string };
            return lock.hostname === hostname && typeof lock.pid === "number" && !isAlive(lock.pid) ? [lock.pid] : [];
        } catch {
            return []; // a lock file being written or removed as we read
        }
    });
}

const virsh = (uri: string, ...args: string[]) =>
    spawnSync("virsh", ["-c", uri, ...args], { encoding: "utf8", timeout: 60_000 });

/** A host's domains that are defined but not running. */
function stoppedDomains(uri: string): string[] {
    const r = virsh(uri, "list", "--inactive", "--name");
    return r.status === 0 ? r.stdout.split("\n").map((l) => l.trim()).filter((l) => l !== "") : [];
}

/** Removes one orphan; true when something was removed. */
function removeOrphan(o: Orphan): boolean {
    if (o.type === DOMAIN) {
        virsh(o.uri, "destroy", o.name);
        return virsh(o.uri, "undefine", o.name, "--nvram").status === 0;
    }
    if (o.type === "libvirt:index/network:Network") {
        virsh(o.uri, "net-destroy", o.name);
        return virsh(o.uri, "net-undefine", o.name).status === 0;
    }
    if (o.type === "libvirt:index/volume:Volume") {
        const pools = virsh(o.uri, "pool-list", "--all", "--name").stdout.split("\n").map((l) => l.trim()).filter(Boolean);
        return pools.map((pool) => virsh(o.uri, "vol-delete", o.name, "--pool", pool).status === 0).some(Boolean);
    }
    return false;
}

/** Clears what an interrupted run of the stack left, so that the next update converges. */
export async function recoverStack(stack: Stack, log: (line: string) => void = (line) => console.error(`==> ${line}`)): Promise<void> {
    const staleLocks = staleLockPids(lockDir(stack.name));
    for (const pid of staleLocks) {
        log(`stack ${stack.name} is locked by pulumi (pid ${pid}), which no longer runs (an interrupted up): clearing its lock`);
    }
    if (staleLocks.length > 0) await stack.cancel();
    const keyDirs = removeDeadKeyDirs();
    if (keyDirs.length > 0) log(`removed the SSH key directories of ${keyDirs.length} killed process${keyDirs.length > 1 ? "es" : ""} (${keyDirs.join(", ")})`);

    const deployment = ((await stack.exportStack()).deployment ?? {}) as Deployment;
    const defaultUri = process.env.LIBVIRT_DEFAULT_URI ?? "qemu:///system";
    const prefix = libvirtPrefix(projectName(), stack.name);
    const stopped = new Map(hostUris(deployment, defaultUri).map((uri) => [uri, stoppedDomains(uri)]));
    for (const o of orphansOf(deployment, prefix, defaultUri, stopped)) {
        if (removeOrphan(o)) log(`removed ${o.type.replace(/^.*:/, "").toLowerCase()} ${o.name} on ${o.uri}, ${o.why}`);
    }

    if ((deployment.pending_operations ?? []).length > 0) {
        log("dropping the pending operations an interrupted run left from the state; the update makes them again");
        await stack.refresh({ clearPendingCreates: true });
    }
}

/** `lab recover NAME` and make up's recovery: the project's stack NAME, recovered; a clear error when there is none. */
export async function recoverNamed(name: string, say?: (line: string) => void): Promise<void> {
    const stack = await projectStack(name).catch((e: Error) => {
        if (e instanceof StackNotFoundError) {
            throw new LabError(`no stack named '${name}': make it with pulumi stack init ${name} --secrets-provider passphrase (pulumi stack ls lists them)`);
        }
        throw e;
    });
    await recoverStack(stack, say);
}
