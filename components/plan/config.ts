// Typed cluster configuration and its validation. Pure: the outside facts it needs (does
// a file exist? which networks are in use on the daemon?) come in through HostChecks, so
// tests drive it directly. Every key is declared once, in config-schema.ts.
// Every problem is collected and reported at once, before any resource is declared.
import * as path from "node:path";
import { BareMetal, parseBareMetal } from "./bare-metal";
import { BareMetalNode, parseBareMetalNodes } from "./bare-metal-nodes";
import { Cidr } from "./cidr";
import { ConfigError, RawConfig, Reader } from "./config-reader";
import { CONFIG_KEYS, ConfigKey, ConfigValues, HostChecks, hostNetworkProblems, imageSource, ImageSource, RULES, SCHEMA } from "./config-schema";
import { closest } from "./did-you-mean";
import { HostPlacement, placeNodes } from "./hosts";
import { nodeMac } from "./names";

export { ConfigError, formatProblems } from "./config-reader";
export type { ConfigProblem, RawConfig } from "./config-reader";
export { DEFAULT_FLAVOR, IMAGE_FLAVORS, MAX_NODES, MIN_DISK_GIB, MIN_MEMORY_MIB } from "./config-schema";
export type { ConfigKey, DomainType, Firmware, HostChecks, ImageFlavor, ImageSource, KubernetesDistribution, MembershipMode, NodeAgentDelivery } from "./config-schema";

/** The validated configuration: the schema's values, with the keys that combine into one fact combined. */
export type ClusterConfig = Omit<ConfigValues, "nodeCidr" | "wireguardCidr" | "podCidr" | "serviceCidr" | "imageFlavor" | "imagePath" | "nodeAgentPath" | "bareMetal" | "bareMetalNodes" | "hosts" | "netbootCidr" | "netbootTree" | "netbootHttpPort"> & {
    nodeCidr: Cidr;
    wireguardCidr: Cidr;
    podCidr: Cidr;
    serviceCidr: Cidr;
    image: ImageSource;
    nodeAgentPath?: string;
    /** With nodeAgentSource: the build nodeAgentPath points at (components/node-agent-build.ts). */
    nodeAgentBuild?: { source: string; sourceHash: string; sha256: string };
    /** Network pre-seed for machines installed from the installer medium; undefined when not configured. */
    bareMetal?: BareMetal;
    /** Installed machines that join the cluster (membership=agent), by node number. */
    bareMetalNodes: BareMetalNode[];
    /** Where the nodes live: the main host (libvirtUri, nodeCidr) first, then the others by name. */
    hosts: HostPlacement[];
    /** The provisioning network (netbootCidr), the tree it serves (netbootTree, absolute) and its HTTP port; undefined when there is none. */
    netboot?: { cidr: Cidr; tree: string; httpPort: number };
};

/** Keys of earlier versions, each with what replaces it and how to move a stack over. */
export const RENAMED_KEYS: Record<string, { key: ConfigKey; fix: string }> = {
    k3s: { key: "kubernetes", fix: "pulumi config rm k3s && pulumi config set kubernetes k3s (or off, for k3s: false)" },
    k3sServerNode: { key: "kubernetesServerNode", fix: "pulumi config rm k3sServerNode && pulumi config set kubernetesServerNode <node number>" },
};

/** The known key a misspelt one most likely means, if any is close. */
export function closestKey(key: string): string | undefined {
    return closest(key, CONFIG_KEYS);
}

/** `host`, its networksInUse asked once per URI: several rules read the same daemon's networks (virsh). */
function askingOnce(host: HostChecks): HostChecks {
    if (!host.networksInUse) return host;
    const ask = host.networksInUse.bind(host);
    const answers = new Map<string, ReturnType<typeof ask>>();
    return { ...host, networksInUse: (uri) => answers.get(uri) ?? answers.set(uri, ask(uri)).get(uri)! };
}

/** `stack` names the stack's own libvirt network, which the host checks leave out. */
export function validateConfig(raw: RawConfig, checks: HostChecks, project = "clusteros-lab", stack?: string): ClusterConfig {
    const host = askingOnce(checks);
    const r = new Reader(raw);
    for (const key of Object.keys(raw).filter((k) => !(k in SCHEMA))) {
        const renamed = RENAMED_KEYS[key];
        if (renamed) {
            r.report(key, raw[key], `was replaced by ${renamed.key}`, renamed.fix);
            continue;
        }
        const near = closestKey(key);
        r.report(key, raw[key], `is not a ${project} setting${near ? ` (did you mean ${near}?)` : ""}`,
            near ? `pulumi config rm ${key} && pulumi config set ${near} <value>`
                : `pulumi config rm ${key} (the settings are listed in Pulumi.yaml and the README)`);
    }
    const values = Object.fromEntries(CONFIG_KEYS.map((k) => [k, SCHEMA[k].parse(r, k)])) as ConfigValues;
    const problems = [...r.problems, ...RULES.flatMap((rule) => rule(values, { host, project, stack }))];
    const image = imageSource(values);
    const bareMetal = parseBareMetal(values.bareMetal, image, host.isSecret?.bind(host));
    problems.push(...bareMetal.problems);
    const bareMetalNodes = parseBareMetalNodes(values.bareMetalNodes, {
        membership: values.membership, nodeCount: values.nodeCount, nodeCidr: values.nodeCidr, wireguardCidr: values.wireguardCidr,
        vmMacs: stack === undefined ? [] : Array.from({ length: values.nodeCount }, (_, i) => nodeMac(project, stack, i + 1)),
    });
    problems.push(...bareMetalNodes.problems);
    const kubernetesRanges = values.kubernetes === "off" ? {} : { podCidr: values.podCidr, serviceCidr: values.serviceCidr };
    const placement = placeNodes({
        libvirtUri: values.libvirtUri, nodeCidr: values.nodeCidr, nodeCount: values.nodeCount, hosts: values.hosts,
        reserved: { wireguardCidr: values.wireguardCidr, ...kubernetesRanges },
    });
    problems.push(...placement.problems);
    if (values.networkMode === "nat" && placement.hosts.length > 1) {
        problems.push({ key: "networkMode", value: values.networkMode,
            problem: "is nat, but hosts adds other hosts, whose nodes reach the main host's only over routed networks",
            fix: "pulumi config set networkMode route (or pulumi config rm networkMode)" });
    }
    for (const h of placement.hosts.slice(1)) {
        problems.push(...hostNetworkProblems({ uri: `hosts.${h.name}.libvirtUri`, cidr: `hosts.${h.name}.nodeCidr` },
            h.libvirtUri, h.nodeCidr, values.wireguardCidr, { host, project, stack }));
    }

    const { nodeCidr, wireguardCidr, podCidr, serviceCidr, imageFlavor: _f, imagePath: _p, nodeAgentPath, bareMetal: _b, bareMetalNodes: _n, hosts: _h, netbootCidr, netbootTree, netbootHttpPort, ...rest } = values;
    if (problems.length > 0 || !nodeCidr || !wireguardCidr || !podCidr || !serviceCidr) throw new ConfigError(project, problems);
    return {
        ...rest, nodeCidr, wireguardCidr, podCidr, serviceCidr, image, hosts: placement.hosts,
        nodeAgentPath: nodeAgentPath === "" ? undefined : nodeAgentPath,
        bareMetal: bareMetal.value,
        bareMetalNodes: bareMetalNodes.value,
        netboot: netbootCidr ? { cidr: netbootCidr, tree: path.resolve(netbootTree), httpPort: netbootHttpPort } : undefined,
    };
}
