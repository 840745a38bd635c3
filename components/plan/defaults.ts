// The defaults of every config key, read from Pulumi.yaml's project-level `config:`
// block: Pulumi.yaml is the one place they are written down.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export const PROJECT_FILE = path.join(__dirname, "..", "..", "Pulumi.yaml");

interface ConfigSpec {
    type: string;
    default?: unknown;
    description?: string;
}

function loadProject(): { name: string; config: Record<string, ConfigSpec> } {
    return parse(fs.readFileSync(PROJECT_FILE, "utf8"));
}

const project = loadProject();

export const projectName: string = project.name;

export const configSpecs: Record<string, ConfigSpec> = project.config;

/** Each key's default, as Pulumi.yaml declares it. */
export const projectDefaults: Record<string, unknown> = Object.fromEntries(
    Object.entries(configSpecs).map(([key, spec]) => [key, spec.default]),
);
