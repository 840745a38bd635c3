// The defaults of every config key, read from Pulumi.yaml's project-level `config:`
// block: Pulumi.yaml is the one place they are written down.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export const PROJECT_FILE = path.join(__dirname, "..", "Pulumi.yaml");

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

export const projectDefaults = {
    nodeCount: project.config.nodeCount.default,
    nodeMemoryMiB: project.config.nodeMemoryMiB.default,
    nodeVcpus: project.config.nodeVcpus.default,
    nodeDiskGiB: project.config.nodeDiskGiB.default,
    domainType: project.config.domainType.default,
    firmware: project.config.firmware.default,
    libvirtUri: project.config.libvirtUri.default,
    nodeCidr: project.config.nodeCidr.default,
    wireguardCidr: project.config.wireguardCidr.default,
    wireguardPort: project.config.wireguardPort.default,
    imageFlavor: project.config.imageFlavor.default,
    imagePath: project.config.imagePath.default,
    nodeAgentPath: project.config.nodeAgentPath.default,
    nodeAgentDelivery: project.config.nodeAgentDelivery.default,
    sshPublicKeys: project.config.sshPublicKeys.default,
    adminUser: project.config.adminUser.default,
    controllerNode: project.config.controllerNode.default,
    k3sServerNode: project.config.k3sServerNode.default,
    slurm: project.config.slurm.default,
    k3s: project.config.k3s.default,
    k3sVersion: project.config.k3sVersion.default,
    bareMetal: project.config.bareMetal.default,
} satisfies Record<string, unknown>;

export type ConfigKey = keyof typeof projectDefaults;
export const CONFIG_KEYS = Object.keys(projectDefaults) as ConfigKey[];
