// Reads the stack's configuration from Pulumi and validates it (all problems at once).
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig, HostChecks, RawConfig, validateConfig } from "./config";
import { CONFIG_KEYS } from "./defaults";

export const hostChecks: HostChecks = {
    isFile: (p) => {
        try {
            return fs.statSync(p).isFile();
        } catch {
            return false;
        }
    },
};

export function loadClusterConfig(): ClusterConfig {
    const config = new pulumi.Config();
    const raw: RawConfig = {};
    for (const key of CONFIG_KEYS) {
        const v = config.get(key);
        if (v !== undefined) raw[key] = v;
    }
    return validateConfig(raw, hostChecks, pulumi.getProject());
}
