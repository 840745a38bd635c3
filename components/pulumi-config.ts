// Reads the stack's configuration from Pulumi and validates it (all problems at once).
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, HostChecks, RawConfig, validateConfig } from "./config";
import { CONFIG_KEYS } from "./defaults";
import { readNetworksInUse } from "./host-networks";

export const hostChecks: HostChecks = {
    isFile: (p) => {
        try {
            return fs.statSync(p).isFile();
        } catch {
            return false;
        }
    },
    networksInUse: readNetworksInUse,
};

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
    return validateConfig(raw, hostChecks, pulumi.getProject(), pulumi.getStack());
}
