// The defaults of every config key, read from the project-level `config:` block of this
// package's Pulumi.yaml, the one place they are written down (a program of a ClusterOS
// repository, whose Pulumi.yaml has none, gets the same). Read when first asked, not at
// import, so that importing the plan reads no file.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export const PROJECT_FILE = path.join(__dirname, "..", "..", "Pulumi.yaml");

interface ConfigSpec {
    type: string;
    default?: unknown;
    description?: string;
}

let loaded: { name: string; config: Record<string, ConfigSpec> } | undefined;

/** Pulumi.yaml, read once, when first asked (never at import). */
function project(): { name: string; config: Record<string, ConfigSpec> } {
    loaded ??= parse(fs.readFileSync(PROJECT_FILE, "utf8"));
    return loaded!;
}

/** Pulumi.yaml's config block: each key's type, default and description. */
export function configSpecs(): Record<string, ConfigSpec> {
    return project().config;
}

/** Each key's default, as Pulumi.yaml declares it. */
export function projectDefaults(): Record<string, unknown> {
    return Object.fromEntries(Object.entries(configSpecs()).map(([key, spec]) => [key, spec.default]));
}
