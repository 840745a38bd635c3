// Finds the upstream Kubernetes bundle built by `make kubernetes` (scripts/kubernetes.sh):
// its directory, named by the hash of what builds it, and the Kubernetes version in it.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { KubernetesBundle } from "./plan/image-inputs";

const SCRIPT = path.join(__dirname, "..", "scripts", "kubernetes.sh");

let found: KubernetesBundle | string | undefined;

/**
 * The bundle, or why there is none (not built, or built from other inputs). Asked once per
 * program run: validation and the plan both need it.
 */
export function findKubernetesBundle(): KubernetesBundle | string {
    return (found ??= locate());
}

function locate(): KubernetesBundle | string {
    const r = spawnSync(SCRIPT, ["path"], { encoding: "utf8" });
    if (r.status !== 0) return (r.stderr || r.stdout || `${SCRIPT} path failed`).trim().split("\n").pop()!;
    const dir = r.stdout.trim().split("\n").pop()!;
    const versions = fs.readFileSync(path.join(dir, "versions.env"), "utf8");
    const version = /^KUBERNETES_VERSION=(\S+)$/m.exec(versions)?.[1];
    return version ? { dir, version } : `${dir}/versions.env names no KUBERNETES_VERSION`;
}
