// Reads the stack's configuration from Pulumi and validates it (all problems at once).
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { AgentBuildError, agentBuildProblem, buildNodeAgent } from "./node-agent-build";
import { ClusterConfig, ConfigError, HostChecks, RawConfig, validateConfig } from "./plan/config";
import { CONFIG_KEYS } from "./plan/config-schema";
import { cacheDir } from "./plan/paths";
import { programDir } from "./program-dir";
import { unreachableBy } from "./host-access";
import { readNetworksInUse, wildcardListener } from "./host-networks";
import { findKubernetesBundle } from "./kubernetes-bundle";

export const hostChecks: HostChecks = {
    isFile: (p) => {
        try {
            return fs.statSync(p).isFile();
        } catch {
            return false;
        }
    },
    isDirectory: (p) => {
        try {
            return fs.statSync(p).isDirectory();
        } catch {
            return false;
        }
    },
    networksInUse: readNetworksInUse,
    isSecret: isSecretPath,
    kubernetesBundle: () => {
        const found = findKubernetesBundle();
        return typeof found === "string" ? found : { dir: found.dir };
    },
    unreachableBy,
    wildcardListener,
};

/**
 * Whether the config value at `keyPath` (e.g. bareMetal.network.wifi.psk) is stored encrypted.
 * The SDK tells secrecy per top-level key only: one --secret leaf makes the whole object
 * secret. So a leaf of a secret key is also looked up in the stack's file, where a leaf set
 * without --secret is plain text rather than a `secure:` value.
 */
function isSecretPath(keyPath: string): boolean {
    const [top, ...rest] = keyPath.split(".");
    const key = `${pulumi.getProject()}:${top}`;
    // isConfigSecret is the SDK's own reading of PULUMI_CONFIG_SECRET_KEYS (not in its typings).
    const runtime = pulumi.runtime as typeof pulumi.runtime & { isConfigSecret?(k: string): boolean };
    const secret = runtime.isConfigSecret
        ? runtime.isConfigSecret(key)
        : (JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS || "[]") as string[]).includes(key);
    if (!secret) return false;
    const stackFile = path.join(programDir(), `Pulumi.${pulumi.getStack()}.yaml`);
    let node: unknown;
    try {
        node = parse(fs.readFileSync(stackFile, "utf8"))?.config?.[key];
    } catch {
        return true; // no stack file here (another config source): the SDK's word stands
    }
    for (const part of rest) node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined;
    return node === undefined || (node !== null && typeof node === "object" && "secure" in node);
}

export function loadClusterConfig(): ClusterConfig {
    const config = new pulumi.Config();
    const raw: RawConfig = {};
    for (const key of CONFIG_KEYS) {
        const v = config.get(key);
        if (v !== undefined) raw[key] = v;
    }
    // Keys under the project's namespace that it does not know: misspellings, reported.
    const prefix = `${pulumi.getProject()}:`;
    for (const [full, v] of Object.entries(pulumi.runtime.allConfig())) {
        const key = full.slice(prefix.length);
        if (full.startsWith(prefix) && !(CONFIG_KEYS as string[]).includes(key)) raw[key] = v;
    }
    try {
        return withBuiltAgent(validateConfig(raw, hostChecks, pulumi.getProject(), pulumi.getStack()));
    } catch (e) {
        // Pulumi ends a program that throws a RunError with its message alone: no stack trace,
        // no dump of the error object, in preview as in up.
        if (e instanceof ConfigError) throw new pulumi.RunError(e.message);
        throw e;
    }
}

/**
 * With nodeAgentSource, the agent is built (or found built) before anything is declared, and
 * the stack goes on as if nodeAgentPath named the binary. A source that does not build is a
 * configuration problem: nothing is created, and the compiler's message is shown.
 */
export function withBuiltAgent(cfg: ClusterConfig, project = pulumi.getProject()): ClusterConfig {
    if (!cfg.nodeAgentSource) return cfg;
    try {
        const b = buildNodeAgent(cfg.nodeAgentSource, cacheDir());
        return { ...cfg, nodeAgentPath: b.path, nodeAgentBuild: { source: b.source, sourceHash: b.sourceHash, sha256: b.sha256 } };
    } catch (e) {
        if (!(e instanceof AgentBuildError)) throw e;
        throw new ConfigError(project, [agentBuildProblem(cfg.nodeAgentSource, e)]);
    }
}
