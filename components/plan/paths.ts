// Where ClusterOS Lab keeps things on the host (mirrors scripts/lib/common.sh).
import * as os from "node:os";
import * as path from "node:path";

export const PROJECT_ROOT = path.join(__dirname, "..", "..");

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
    return env.CLUSTEROS_LAB_CACHE ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "clusteros-lab");
}

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
    return env.CLUSTEROS_LAB_STATE
        ?? path.join(env.XDG_STATE_HOME ?? path.join(os.homedir(), ".local", "state"), "clusteros-lab");
}

/** Where a stack's NoCloud seed ISOs are built before upload: private to root (0700). */
export function seedDir(libvirtPrefix: string, env: NodeJS.ProcessEnv = process.env): string {
    return path.join(stateDir(env), "seeds", libvirtPrefix);
}

/** Where the provisioning network `network`'s HTTP server keeps its pid file and request log: private. */
export function netbootServerFiles(network: string, env: NodeJS.ProcessEnv = process.env): { pidFile: string; logFile: string } {
    const dir = path.join(stateDir(env), "netboot");
    return { pidFile: path.join(dir, `${network}.pid`), logFile: path.join(dir, `${network}.log`) };
}

/** Directory of the libvirt pool of a stack; under libvirt's own tree so QEMU may read it. */
export function poolDir(libvirtPrefix: string): string {
    return path.join("/var/lib/libvirt/images", libvirtPrefix);
}

export function serialLogPath(domainName: string): string {
    return path.join("/var/log/libvirt/qemu", `${domainName}-serial.log`);
}
