// Where ClusterOS Lab keeps things on the host (mirrors scripts/lib/common.sh).
import * as os from "node:os";
import * as path from "node:path";

export const PROJECT_ROOT = path.join(__dirname, "..");

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
    return env.CLUSTEROS_LAB_CACHE ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "clusteros-lab");
}

/** Directory of the libvirt pool of a stack; under libvirt's own tree so QEMU may read it. */
export function poolDir(libvirtPrefix: string): string {
    return path.join("/var/lib/libvirt/images", libvirtPrefix);
}

export function serialLogPath(domainName: string): string {
    return path.join("/var/log/libvirt/qemu", `${domainName}-serial.log`);
}
