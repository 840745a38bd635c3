// The schema of the stack's configuration: each key's parser, declared once, and the rules
// that relate keys. Defaults and descriptions are Pulumi's, in Pulumi.yaml; the README's
// table documents the same keys (tests/unit/config-schema.test.ts holds the three together).
import * as path from "node:path";
import { Cidr, cidrsOverlap, nodeCapacity, wireguardCapacity } from "./cidr";
import {
    DEFAULT_FLAVOR, DomainType, Firmware, IMAGE_FLAVORS, ImageFlavor, ImageSource, KUBERNETES_SERVER_MIN_MIB, KubernetesDistribution,
    MAX_NODES, MembershipMode, MIN_DISK_GIB, MIN_MEMORY_MIB, NetworkModeSetting, NodeAgentDelivery, POD_SUBNET_PREFIX,
} from "./config-types";
import { ConfigProblem, Reader } from "./config-reader";
import { OVMF } from "./firmware";
import { URI } from "./hosts";
import { planNetwork } from "./names";
import { NETBOOT_HTTP_PORT, NETBOOT_MENU, NETBOOT_READER, planNetboot } from "./netboot";
import { conflictsWith, freeRanges, NetworkInUse } from "./network-conflicts";

export { DEFAULT_FLAVOR, IMAGE_FLAVORS, KUBERNETES_SERVER_MIN_MIB, MAX_NODES, MIN_DISK_GIB, MIN_MEMORY_MIB, POD_SUBNET_PREFIX } from "./config-types";
export type { DomainType, Firmware, ImageFlavor, ImageSource, KubernetesDistribution, MembershipMode, NetworkModeSetting, NodeAgentDelivery } from "./config-types";

const SSH_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,3}( .*)?$/;
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const K3S_VERSION = /^v\d+\.\d+\.\d+\+k3s\d+$/;

type Parse<T> = (r: Reader, key: string) => T;

export interface KeySpec<T> {
    /** Pulumi's config type: what `pulumi config` checks and shows. */
    type: "integer" | "string" | "boolean" | "array" | "object";
    default: unknown;
    description: string;
    parse: Parse<T>;
}

const int = (min: number, max: number, example: number): Parse<number> => (r, k) => r.int(k, min, max, example);
const oneOf = <T extends string>(...allowed: T[]): Parse<T> => (r, k) => r.oneOf<T>(k, allowed);
const bool: Parse<boolean> = (r, k) => r.bool(k);
/** A string; "" when unset. */
const str: Parse<string> = (r, k) => r.str(k);
/** A string that must match `re`, else `problem` with `fix`. */
const matching = (re: RegExp, problem: string, fix: string): Parse<string> => (r, k) => {
    const v = r.str(k);
    if (!re.test(v)) r.report(k, v, problem, fix);
    return v;
};
/** Taken as it is: parsed by a rule that needs other keys. */
const raw: Parse<unknown> = (r, k) => r.value(k);

const sshKeys: Parse<string[]> = (r, k) => {
    const keys = r.stringList(k);
    keys.forEach((line, i) => {
        if (!SSH_KEY.test(line)) {
            r.report(`${k}[${i}]`, line.slice(0, 40), "is not an OpenSSH public key line",
                `pulumi config set --path '${k}[${i}]' "$(cat ~/.ssh/id_ed25519.pub)"`);
        }
    });
    return keys;
};

/** Debian's rule for a package name (Policy 5.6.1). */
const PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/;

const packageNames: Parse<string[]> = (r, k) => {
    const names = r.stringList(k);
    names.forEach((name, i) => {
        if (!PACKAGE.test(name)) {
            r.report(`${k}[${i}]`, name, "is not a Debian package name (lower case letters, digits, + - .)", `pulumi config set --path '${k}[${i}]' jq`);
        }
    });
    return names;
};

const loginName: Parse<string> = (r, k) => {
    const v = r.str(k);
    if (!USER.test(v) || v === "root") {
        r.report(k, v, "must be a lower-case login name other than root", `pulumi config set ${k} clusteros`);
    }
    return v;
};

/**
 * Every config key: its Pulumi type, default and description (Pulumi.yaml's config block is
 * written from these by `make pulumi-yaml`) and how its value is read, in the order
 * problems are reported.
 */
export const SCHEMA = {
    nodeCount: {
        type: "integer", default: 3,
        description: "Number of cluster nodes (1-64). Adding nodes never replaces existing ones.",
        parse: int(1, MAX_NODES, 3),
    },
    nodeMemoryMiB: {
        type: "integer", default: 2048,
        description: "Memory per node in MiB (at least 512). Changing it replaces the domains.",
        parse: int(MIN_MEMORY_MIB, 1024 * 1024, 2048),
    },
    nodeVcpus: {
        type: "integer", default: 2,
        description: "Virtual CPUs per node (1-64).",
        parse: int(1, 64, 2),
    },
    nodeDiskGiB: {
        type: "integer", default: 20,
        description: "Size of each node's copy-on-write disk in GiB (at least the image's size).",
        parse: int(MIN_DISK_GIB, 4096, 20),
    },
    domainType: {
        type: "string", default: "kvm",
        description: "libvirt domain type, kvm (hardware virtualisation) or qemu (TCG software emulation).",
        parse: oneOf<DomainType>("kvm", "qemu"),
    },
    firmware: {
        type: "string", default: "bios",
        description: "How nodes boot their whole-disk image, as hardware does - bios (SeaBIOS) or uefi (OVMF, Debian's ovmf package on the libvirt host).",
        parse: oneOf<Firmware>("bios", "uefi"),
    },
    libvirtUri: {
        type: "string", default: "qemu:///system",
        description: "libvirt connection URI of the main host (where nodes no other host lists live, see hosts).",
        parse: matching(URI, "is not a libvirt URI", "pulumi config set libvirtUri qemu:///system"),
    },
    nodeCidr: {
        type: "string", default: "10.77.0.0/24",
        description: "IPv4 CIDR of the stack's network (on the main host, see hosts); node N gets host address N+9, the gateway is .1.",
        parse: ((r, k) => r.cidr(k, "10.77.0.0/24")) as Parse<ReturnType<Reader["cidr"]>>,
    },
    wireguardCidr: {
        type: "string", default: "10.78.0.0/24",
        description: "IPv4 CIDR of the WireGuard mesh; node N gets host address N.",
        parse: ((r, k) => r.cidr(k, "10.78.0.0/24")) as Parse<ReturnType<Reader["cidr"]>>,
    },
    wireguardPort: {
        type: "integer", default: 51820,
        description: "UDP port WireGuard listens on, on every node.",
        parse: int(1, 65535, 51820),
    },
    imageFlavor: {
        type: "string", default: "",
        description: "Image to build with Packer, ubuntu-24.04 (needs internet) or debian-12 (builds offline); ubuntu-24.04 when neither it nor imagePath is set.",
        parse: str,
    },
    imagePath: {
        type: "string", default: "",
        description: "A prebuilt qcow2 image to use instead of building one (leave imageFlavor unset).",
        parse: str,
    },
    imageExtraPackages: {
        type: "array", default: [],
        description: "More Debian/Ubuntu packages in the image (apt names); part of the image's hash. debian-12 builds them into its base with mmdebstrap, so make up needs apt (outside the lab's namespace) when the list changes.",
        parse: packageNames,
    },
    imageProvisionDir: {
        type: "string", default: "",
        description: "A directory of your own provisioning scripts (*.sh), run as root in name order after the lab's, in the image build of either flavor; part of the image's hash. A failing script fails the build, named.",
        parse: str,
    },
    nodeAgentPath: {
        type: "string", default: "",
        description: "Optional ClusterOS node-agent binary, baked into the image and run as a systemd service.",
        parse: str,
    },
    nodeAgentSource: {
        type: "string", default: "",
        description: "Optional Go main package (a directory anywhere on the host) that make up builds into the node-agent binary, offline through the Go module cache and proxy, cached by a hash of the module's source and go.sum; instead of nodeAgentPath, and delivered the same way.",
        parse: str,
    },
    nodeAgentDelivery: {
        type: "string", default: "image",
        description: "How node-agent reaches nodes, image (baked in, rebuilds the image) or live (copied to running nodes).",
        parse: oneOf<NodeAgentDelivery>("image", "live"),
    },
    membership: {
        type: "string", default: "lab",
        description: "Who forms the cluster - lab (the stack makes the WireGuard keys, roles, peers and SLURM node list, and applies them over SSH) or agent (each node gets its identity and the cluster key only; the node agent does the rest). See docs/NODE_AGENT.md.",
        parse: oneOf<MembershipMode>("lab", "agent"),
    },
    sshPublicKeys: {
        type: "array", default: [],
        description: "SSH public keys of the people who may log in as the admin user.",
        parse: sshKeys,
    },
    adminUser: {
        type: "string", default: "clusteros",
        description: "Login user created on every node (passwordless sudo, SSH keys only).",
        parse: loginName,
    },
    controllerNode: {
        type: "integer", default: 1,
        description: "Node number that runs slurmctld.",
        parse: int(1, MAX_NODES, 1),
    },
    kubernetesServerNode: {
        type: "integer", default: 1,
        description: "Node number that runs the Kubernetes server (K3s server, or etcd and the upstream control plane).",
        parse: int(1, MAX_NODES, 1),
    },
    slurm: {
        type: "boolean", default: true,
        description: "Run SLURM (munge, slurmctld, slurmd).",
        parse: bool,
    },
    kubernetes: {
        type: "string", default: "k3s",
        description: "Kubernetes on the cluster - k3s (the K3s release, fetched when the image is built), upstream (Kubernetes, etcd, containerd built from the Go module proxy by make kubernetes) or off.",
        parse: oneOf<KubernetesDistribution>("k3s", "upstream", "off"),
    },
    podCidr: {
        type: "string", default: "10.244.0.0/16",
        description: "IPv4 CIDR of the pods; node N's pods get its N-th /24, routed over the WireGuard mesh.",
        parse: ((r, k) => r.cidr(k, "10.244.0.0/16")) as Parse<ReturnType<Reader["cidr"]>>,
    },
    serviceCidr: {
        type: "string", default: "10.96.0.0/16",
        description: "IPv4 CIDR of Kubernetes Services (ClusterIPs); /12 to /28.",
        parse: ((r, k) => r.cidr(k, "10.96.0.0/16")) as Parse<ReturnType<Reader["cidr"]>>,
    },
    k3sVersion: {
        type: "string", default: "v1.31.4+k3s1",
        description: "K3s release baked into the image (skipped with a message when it cannot be downloaded).",
        parse: matching(K3S_VERSION, "is not a K3s release tag like v1.31.4+k3s1", "pulumi config set k3sVersion v1.31.4+k3s1"),
    },
    networkMode: {
        type: "string", default: "auto",
        description: "How each host's network reaches beyond itself: nat (one host), route (several: nodes reach each other at their own addresses), or auto (nat on one host, route with hosts). Libvirt cannot switch a running network's mode under its nodes: set route before the first up on a one-host stack that will get more hosts. See docs/MULTI_HOST.md.",
        parse: oneOf<NetworkModeSetting>("auto", "nat", "route"),
    },
    hosts: {
        type: "object", default: {},
        description: "More libvirt hosts for the cluster's nodes, by name: each with libvirtUri, nodeCidr (its own range, routed between the hosts) and nodes (a list of node numbers, or a count). Nodes no host lists live at libvirtUri. See docs/MULTI_HOST.md.",
        parse: raw,
    },
    netbootCidr: {
        type: "string", default: "",
        description: "IPv4 CIDR of the stack's provisioning network: a libvirt network of its own on the main host, isolated from every other, whose DHCP and TFTP serve netbootTree to machines that boot from the network (BIOS or UEFI), as a rack's boot server does. Empty: none. See docs/DEPLOYMENT.md.",
        parse: ((r, k) => (r.str(k) === "" ? undefined : r.cidr(k, "10.79.0.0/24"))) as Parse<ReturnType<Reader["cidr"]>>,
    },
    netbootTree: {
        type: "string", default: "dist/netboot",
        description: "The network boot tree the provisioning network (netbootCidr) serves: what make usb writes into DIST_DIR/netboot.",
        parse: str,
    },
    netbootHttpPort: {
        type: "integer", default: NETBOOT_HTTP_PORT,
        description: "TCP port at which the provisioning network's boot server (its .1) also serves netbootTree over HTTP, for a tree made with make usb NETBOOT_HTTP=:PORT (1024-65535: a port the user's own process may bind).",
        parse: int(1024, 65535, NETBOOT_HTTP_PORT),
    },
    bareMetal: {
        type: "object", default: {},
        description: "Network pre-seed for machines installed from the installer medium, never lab VMs (bareMetal.network.wired, bareMetal.network.wifi; set with pulumi config set --path, the PSK with --secret). See docs/DEPLOYMENT.md.",
        parse: raw,
    },
    bareMetalNodes: {
        type: "object", default: {},
        description: "Machines installed from the installer medium that join the cluster as nodes (membership=agent): MAC address -> node number, above nodeCount (pulumi config set --path 'bareMetalNodes.52:54:00:12:34:56' 4). make usb gives each the seed of its identity, by its MAC. See docs/DEPLOYMENT.md.",
        parse: raw,
    },
} satisfies Record<string, KeySpec<unknown>>;

export type ConfigKey = keyof typeof SCHEMA;
export const CONFIG_KEYS = Object.keys(SCHEMA) as ConfigKey[];

/** Each key's value as its parser returns it. */
export type ConfigValues = { [K in ConfigKey]: ReturnType<(typeof SCHEMA)[K]["parse"]> };

/** Pulumi.yaml's `config:` block, as the schema declares it. */
export function pulumiConfigBlock(): Record<string, object> {
    return Object.fromEntries(CONFIG_KEYS.map((k) => {
        const { type, default: d, description } = SCHEMA[k];
        return [k, { type, ...(type === "array" ? { items: { type: "string" } } : {}), default: d, description }];
    }));
}

export interface HostChecks {
    isFile(path: string): boolean;
    /** Whether path is an existing directory. Absent: not checked. */
    isDirectory?(path: string): boolean;
    /**
     * The networks in use on the libvirt daemon at uri and on this host, or why libvirt
     * could not be asked. Absent: not checked (unit tests without a daemon).
     */
    networksInUse?(uri: string): NetworkInUse[] | string;
    /**
     * Whether the stack stores the config value at a path (bareMetal.network.wifi.psk)
     * encrypted, i.e. it was set with --secret. Absent: not checked.
     */
    isSecret?(path: string): boolean;
    /**
     * The built upstream Kubernetes bundle (scripts/kubernetes.sh path): its directory, or
     * why there is none. Absent: not checked.
     */
    kubernetesBundle?(): { dir: string } | string;
    /**
     * Why `user` cannot reach the directory `dir` (a directory above it that it may not
     * enter), or undefined when it can; `dir`'s own contents are make usb's to grant.
     * Absent: not checked.
     */
    unreachableBy?(user: string, dir: string): string | undefined;
    /**
     * What listens on TCP `port` at every address of this host (0.0.0.0 or ::), which a server
     * bound to one address of it cannot share; undefined when nothing does. Absent: not checked.
     */
    wildcardListener?(port: number): string | undefined;
}

export interface RuleContext {
    host: HostChecks;
    project: string;
    /** Names the stack's own libvirt network, which the host checks leave out; absent in unit tests. */
    stack?: string;
}

/** The image the stack boots: a prebuilt file, or a flavor built with Packer. */
export function imageSource(v: ConfigValues): ImageSource {
    if (v.imagePath !== "") return { kind: "prebuilt", path: v.imagePath };
    const flavor = (IMAGE_FLAVORS as readonly string[]).includes(v.imageFlavor) ? v.imageFlavor as ImageFlavor : DEFAULT_FLAVOR;
    return { kind: "build", flavor };
}

type Rule = (v: ConfigValues, ctx: RuleContext) => ConfigProblem[];
const problem = (key: string, value: unknown, text: string, fix: string): ConfigProblem => ({ key, value, problem: text, fix });

const firmwareNeedsOvmf: Rule = (v, { host }) => v.firmware === "uefi" && !host.isFile(OVMF.code)
    ? [problem("firmware", v.firmware, `needs OVMF (${OVMF.code} is missing)`,
        "apt-get install ovmf on the libvirt host (make setup does), or pulumi config set firmware bios")]
    : [];

const networksHoldNodes: Rule = ({ nodeCidr, wireguardCidr, nodeCount }) => [
    ...(nodeCidr && nodeCapacity(nodeCidr) < nodeCount ? [problem("nodeCidr", nodeCidr.text,
        `holds at most ${Math.max(0, nodeCapacity(nodeCidr))} nodes (addresses .10 upward, below broadcast), not ${nodeCount}`,
        `use a larger network, e.g. pulumi config set nodeCidr ${nodeCidr.address}/24`)] : []),
    ...(wireguardCidr && wireguardCapacity(wireguardCidr) < nodeCount ? [problem("wireguardCidr", wireguardCidr.text,
        `holds at most ${Math.max(0, wireguardCapacity(wireguardCidr))} WireGuard addresses, not ${nodeCount}`,
        `use a larger network, e.g. pulumi config set wireguardCidr ${wireguardCidr.address}/24`)] : []),
    ...(nodeCidr && wireguardCidr && cidrsOverlap(nodeCidr, wireguardCidr) ? [problem("wireguardCidr", wireguardCidr.text,
        `overlaps nodeCidr ${nodeCidr.text}`, "choose a separate range, e.g. pulumi config set wireguardCidr 10.78.0.0/24")] : []),
];

/**
 * A host's daemon answers and its nodeCidr is free there. `keys` name the host's settings:
 * libvirtUri and nodeCidr for the main host, hosts.NAME.* for the others.
 */
export function hostNetworkProblems(keys: { uri: string; cidr: string }, libvirtUri: string, nodeCidr: Cidr | undefined,
    wireguardCidr: Cidr | undefined, { host, project, stack }: RuleContext): ConfigProblem[] {
    if (stack === undefined || !host.networksInUse || !URI.test(libvirtUri)) return [];
    const inUse = host.networksInUse(libvirtUri);
    if (typeof inUse === "string") {
        return [problem(keys.uri, libvirtUri, `libvirt does not answer there (${inUse})`,
            keys.uri === "libvirtUri" ? "start libvirt (make mode says how this machine runs it), or pulumi config set libvirtUri qemu:///system"
                : `start libvirt on that host and check that virsh -c '${libvirtUri}' version answers, or pulumi config rm --path ${keys.uri.replace(/\.libvirtUri$/, "")}`)];
    }
    if (!nodeCidr) return [];
    const own = planNetwork(project, stack, nodeCidr);
    const set = keys.cidr === "nodeCidr" ? "pulumi config set nodeCidr" : `pulumi config set --path '${keys.cidr}'`;
    return daemonOverlaps(keys.cidr, set, nodeCidr, { network: own.name, bridge: own.bridge }, inUse, libvirtUri, wireguardCidr ? [wireguardCidr.text] : []);
}

/**
 * `cidr` (config key `key`, set by the command `set`) overlaps these networks on the daemon
 * at `uri`, its own network aside; the fix names a range free of them and of `alsoTaken`.
 */
function daemonOverlaps(key: string, set: string, cidr: Cidr, own: { network: string; bridge: string },
    inUse: NetworkInUse[], uri: string, alsoTaken: string[] = []): ConfigProblem[] {
    const [free] = freeRanges([...inUse.map((n) => n.cidr), ...alsoTaken]);
    return conflictsWith(cidr, own, inUse).map((c) =>
        problem(key, cidr.text, `overlaps ${c.owner} (${c.cidr}) on ${uri}`, `choose a free range, e.g. ${set} ${free}`));
}

const networkIsFreeOnHost: Rule = ({ libvirtUri, nodeCidr, wireguardCidr }, ctx) =>
    hostNetworkProblems({ uri: "libvirtUri", cidr: "nodeCidr" }, libvirtUri, nodeCidr, wireguardCidr, ctx);

const imageIsDefined: Rule = (v, { host }) => {
    const { imagePath, imageFlavor } = v;
    if (imagePath !== "" && imageFlavor !== "") {
        return [problem("imagePath", imagePath, `is set together with imageFlavor (${imageFlavor}); the image would be ambiguous`,
            "pulumi config rm imageFlavor (to use the prebuilt image) or pulumi config rm imagePath (to build)")];
    }
    if (imagePath !== "" && !host.isFile(imagePath)) {
        return [problem("imagePath", imagePath, "is not an existing image file",
            "give an existing qcow2 (make up builds one per flavor into ~/.cache/clusteros-lab/images/<flavor>-<hash>/), or pulumi config rm imagePath")];
    }
    if (imagePath !== "" && (v.imageExtraPackages.length > 0 || v.imageProvisionDir !== "")) {
        return [problem(v.imageExtraPackages.length > 0 ? "imageExtraPackages" : "imageProvisionDir",
            v.imageExtraPackages.length > 0 ? v.imageExtraPackages : v.imageProvisionDir,
            "changes the image the lab builds, and imagePath names a prebuilt one", "pulumi config rm imagePath (and set imageFlavor), or remove the image's additions")];
    }
    if (v.imageProvisionDir !== "" && host.isDirectory && !host.isDirectory(v.imageProvisionDir)) {
        return [problem("imageProvisionDir", v.imageProvisionDir, "is not an existing directory (of *.sh scripts)",
            "pulumi config set imageProvisionDir /path/to/your/provisioning, or pulumi config rm imageProvisionDir")];
    }
    if (imagePath === "" && imageFlavor !== "" && !(IMAGE_FLAVORS as readonly string[]).includes(imageFlavor)) {
        return [problem("imageFlavor", imageFlavor, `is not a known flavor (${IMAGE_FLAVORS.join(", ")})`,
            "pulumi config set imageFlavor debian-12")];
    }
    return [];
};

/** Whether the stack has a node agent: a binary, or a source to build it from. */
const hasAgent = (v: ConfigValues) => v.nodeAgentPath !== "" || v.nodeAgentSource !== "";

const nodeAgentIsDeliverable: Rule = (v, { host }) => [
    ...(v.nodeAgentPath !== "" && !host.isFile(v.nodeAgentPath) ? [problem("nodeAgentPath", v.nodeAgentPath,
        "is not an existing file", "build the node-agent first, or pulumi config rm nodeAgentPath")] : []),
    ...(v.nodeAgentPath !== "" && v.nodeAgentSource !== "" ? [problem("nodeAgentSource", v.nodeAgentSource,
        `is set together with nodeAgentPath (${v.nodeAgentPath}); the agent would be ambiguous`,
        "pulumi config rm nodeAgentPath (to build from source) or pulumi config rm nodeAgentSource (to use the binary)")] : []),
    ...(v.nodeAgentSource !== "" && host.isDirectory && !host.isDirectory(v.nodeAgentSource) ? [problem("nodeAgentSource", v.nodeAgentSource,
        "is not an existing directory (a Go main package, such as node/cmd/node-agent in ClusterOS's repository)",
        "pulumi config set nodeAgentSource /path/to/clusteros/node/cmd/node-agent, or pulumi config rm nodeAgentSource")] : []),
    ...(v.nodeAgentDelivery === "live" && !hasAgent(v) ? [problem("nodeAgentDelivery", "live",
        "needs a node-agent binary to deliver", "pulumi config set nodeAgentPath /path/to/node-agent (or nodeAgentSource /path/to/its/main/package)")] : []),
    ...(v.nodeAgentDelivery === "live" && v.imagePath !== "" && v.imageFlavor === "" ? [problem("nodeAgentDelivery", "live",
        "needs the unit of a built image; a prebuilt image may not have it", "pulumi config set nodeAgentDelivery image")] : []),
];

/**
 * With membership=agent the node agent forms the cluster: there must be one, and the settings
 * only the lab's own membership acts on are refused rather than silently ignored.
 */
const agentFormsTheCluster: Rule = (v) => {
    if (v.membership !== "agent") return [];
    const off = "pulumi config set membership lab";
    return [
        ...(!hasAgent(v) ? [problem("membership", "agent", "needs a node agent to form the cluster, and neither nodeAgentPath nor nodeAgentSource is set",
            `pulumi config set nodeAgentPath examples/serf-agent/clusteros-serf-agent (the reference agent; docs/NODE_AGENT.md), or ${off}`)] : []),
        ...(v.kubernetes !== "off" ? [problem("kubernetes", v.kubernetes, "is lab-driven (the stack makes its tokens and picks its server); with membership=agent the agent starts Kubernetes",
            `pulumi config set kubernetes off, or ${off}`)] : []),
        ...(["controllerNode", "kubernetesServerNode"] as const).filter((k) => v[k] !== SCHEMA[k].default).map((k) =>
            problem(k, v[k], "assigns a role, which with membership=agent is the node agent's choice", `pulumi config rm ${k}, or ${off}`)),
    ];
};

const rolesAreOnNodes: Rule = (v) => (["controllerNode", "kubernetesServerNode"] as const)
    .filter((k) => v[k] > v.nodeCount)
    .map((k) => problem(k, v[k], `is beyond nodeCount (${v.nodeCount})`, `pulumi config set ${k} 1`));

/** Pods and Services get ranges of their own, each node a /24 of podCidr. */
const kubernetesNetworksFit: Rule = ({ kubernetes, podCidr, serviceCidr, nodeCidr, wireguardCidr, nodeCount }) => {
    if (kubernetes === "off" || !podCidr || !serviceCidr) return [];
    const subnets = podCidr.prefix <= POD_SUBNET_PREFIX ? 2 ** (POD_SUBNET_PREFIX - podCidr.prefix) - 1 : 0;
    const others = { nodeCidr, wireguardCidr };
    return [
        ...(subnets < nodeCount ? [problem("podCidr", podCidr.text,
            `holds ${subnets} node pod subnets (/${POD_SUBNET_PREFIX}, node N the N-th), not ${nodeCount}`,
            "use a larger range, e.g. pulumi config set podCidr 10.244.0.0/16")] : []),
        ...(serviceCidr.prefix < 12 || serviceCidr.prefix > 28 ? [problem("serviceCidr", serviceCidr.text,
            "must have a prefix length from /12 to /28 (kube-apiserver's limits)", "pulumi config set serviceCidr 10.96.0.0/16")] : []),
        ...(cidrsOverlap(podCidr, serviceCidr) ? [problem("serviceCidr", serviceCidr.text, `overlaps podCidr ${podCidr.text}`,
            "choose a separate range, e.g. pulumi config set serviceCidr 10.96.0.0/16")] : []),
        ...overlapProblems("podCidr", podCidr, others, "10.244.0.0/16"),
        ...overlapProblems("serviceCidr", serviceCidr, others, "10.96.0.0/16"),
    ];
};

/** `key`'s range `cidr` overlapping any of `others` (by key), each a problem whose fix suggests `example`. */
function overlapProblems(key: string, cidr: Cidr, others: Record<string, Cidr | undefined>, example: string): ConfigProblem[] {
    return (Object.entries(others) as [string, Cidr | undefined][])
        .filter(([, o]) => o && cidrsOverlap(cidr, o))
        .map(([name, o]) => problem(key, cidr.text, `overlaps ${name} ${o!.text}`, `choose a separate range, e.g. pulumi config set ${key} ${example}`));
}

const kubernetesServerHasMemory: Rule = ({ kubernetes, nodeMemoryMiB }) => {
    if (kubernetes === "off" || nodeMemoryMiB >= KUBERNETES_SERVER_MIN_MIB[kubernetes]) return [];
    const need = KUBERNETES_SERVER_MIN_MIB[kubernetes];
    return [problem("nodeMemoryMiB", nodeMemoryMiB,
        `is too little for the ${kubernetes} Kubernetes server, which needs at least ${need} MiB`,
        `pulumi config set nodeMemoryMiB ${need} (or pulumi config set kubernetes off)`)];
};

const upstreamKubernetesIsBuilt: Rule = ({ kubernetes }, { host }) => {
    if (kubernetes !== "upstream" || !host.kubernetesBundle) return [];
    const found = host.kubernetesBundle();
    return typeof found === "string" ? [problem("kubernetes", kubernetes,
        `needs the Kubernetes bundle, which is not built (${found})`,
        "make kubernetes (needs the Go module proxy; make up runs it for such a stack), or pulumi config set kubernetes k3s")] : [];
};

/**
 * The provisioning network has a range of its own, free on the main host, and serves a tree
 * make usb wrote, which libvirt's dnsmasq (an unprivileged user) can reach, over HTTP at a
 * port no server of the host's holds on all of its addresses.
 */
const netbootIsServable: Rule = (v, ctx) => {
    const { netbootCidr: cidr, netbootTree: tree } = v;
    if (!cidr) return [];
    const others = { nodeCidr: v.nodeCidr, wireguardCidr: v.wireguardCidr, ...(v.kubernetes === "off" ? {} : { podCidr: v.podCidr, serviceCidr: v.serviceCidr }) };
    const problems = overlapProblems("netbootCidr", cidr, others, "10.79.0.0/24");
    const { host, project, stack } = ctx;
    const root = path.resolve(tree);
    const inUse = stack !== undefined && host.networksInUse ? host.networksInUse(v.libvirtUri) : [];
    if (typeof inUse !== "string" && stack !== undefined) {
        const own = planNetboot(project, stack, cidr, root);
        problems.push(...daemonOverlaps("netbootCidr", "pulumi config set netbootCidr", cidr, { network: own.name, bridge: own.bridge }, inUse, v.libvirtUri,
            Object.values(others).flatMap((c) => (c ? [c.text] : []))));
    }
    if (/^[^:]+:\/\/[^/]/.test(v.libvirtUri)) {
        problems.push(problem("netbootCidr", cidr.text, `needs the main host to be this one (the tree and its HTTP server are served from here), but libvirtUri is ${v.libvirtUri}`,
            "run Pulumi on the host whose daemon libvirtUri names, with libvirtUri qemu:///system, or pulumi config set netbootCidr \"\""));
    }
    const listener = host.wildcardListener?.(v.netbootHttpPort);
    if (listener) {
        problems.push(problem("netbootHttpPort", String(v.netbootHttpPort), `is taken on every address of this host (${listener}), the boot server's too`,
            `pulumi config set netbootHttpPort ${v.netbootHttpPort === NETBOOT_HTTP_PORT ? NETBOOT_HTTP_PORT + 1 : NETBOOT_HTTP_PORT}, and make usb NETBOOT_HTTP=:PORT with that port`));
    }
    const menu = path.join(root, NETBOOT_MENU);
    if (!host.isFile(menu)) {
        problems.push(problem("netbootTree", tree, `is not a network boot tree (${menu} is missing)`,
            `make usb STACK=${stack ?? "<stack>"} writes one into dist/netboot (DIST_DIR=dir: dir/netboot), or pulumi config set netbootTree DIR`));
    } else if (host.unreachableBy) {
        const blocked = host.unreachableBy(NETBOOT_READER, root);
        if (blocked) {
            problems.push(problem("netbootTree", tree, `cannot be read by libvirt's dnsmasq (user ${NETBOOT_READER}): ${blocked}`,
                `let it pass with setfacl -m u:${NETBOOT_READER}:x on each directory named, or make usb DIST_DIR=DIR where others may enter (e.g. /srv/clusteros) and pulumi config set netbootTree DIR/netboot`));
        }
    }
    return problems;
};

/** Rules across keys, run after every key is read; bareMetal is parsed by validateConfig. */
export const RULES: Rule[] = [
    firmwareNeedsOvmf, networksHoldNodes, networkIsFreeOnHost, imageIsDefined, nodeAgentIsDeliverable, agentFormsTheCluster, rolesAreOnNodes,
    kubernetesNetworksFit, kubernetesServerHasMemory, upstreamKubernetesIsBuilt, netbootIsServable,
];
