import { expect } from "vitest";
import { ClusterConfig, ConfigError, ConfigProblem, HostChecks, RawConfig, validateConfig } from "../../components/plan/config";

export const existing = new Set(["/images/prebuilt.qcow2", "/bin/node-agent", "/usr/share/OVMF/OVMF_CODE_4M.fd"]);
export const directories = new Set(["/src/clusteros/node/cmd/node-agent"]);
export const host: HostChecks = { isFile: (p) => existing.has(p), isDirectory: (p) => directories.has(p) };

export function config(raw: RawConfig = {}): ClusterConfig {
    return validateConfig({ imageFlavor: "debian-12", ...raw }, host);
}

/** The problems validateConfig reports for `raw` (`stack` turns on the checks against the daemon); fails if it accepts it. */
export function problemsOf(raw: RawConfig, checks: HostChecks = host, stack?: string): ConfigProblem[] {
    try {
        validateConfig(raw, checks, "clusteros-lab", stack);
    } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).problems;
    }
    throw new Error("config was accepted");
}
