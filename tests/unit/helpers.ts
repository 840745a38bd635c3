import { ClusterConfig, HostChecks, RawConfig, validateConfig } from "../../components/plan/config";

export const existing = new Set(["/images/prebuilt.qcow2", "/bin/node-agent", "/usr/share/OVMF/OVMF_CODE_4M.fd"]);
export const directories = new Set(["/src/clusteros/node/cmd/node-agent"]);
export const host: HostChecks = { isFile: (p) => existing.has(p), isDirectory: (p) => directories.has(p) };

export function config(raw: RawConfig = {}): ClusterConfig {
    return validateConfig({ imageFlavor: "debian-12", ...raw }, host);
}
