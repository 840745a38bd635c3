// Typed cluster configuration and its validation. Pure: the outside facts it needs (does
// a file exist? which networks are in use on the daemon?) come in through HostChecks, so
// tests drive it directly.
// Every problem is collected and reported at once, before any resource is declared.
import { planNetwork } from "./addressing";
import { BareMetal, parseBareMetal } from "./bare-metal";
import { parseCidr, cidrsOverlap, nodeCapacity, wireguardCapacity, Cidr } from "./cidr";
import { ConfigKey, projectDefaults } from "./defaults";
import { closest } from "./did-you-mean";
import { OVMF } from "./firmware";
import { conflictsWith, freeRanges, NetworkInUse } from "./network-conflicts";

export type DomainType = "kvm" | "qemu";
export type Firmware = "bios" | "uefi";
export type ImageFlavor = "ubuntu-24.04" | "debian-12";
export type NodeAgentDelivery = "image" | "live";

export const IMAGE_FLAVORS: readonly ImageFlavor[] = ["ubuntu-24.04", "debian-12"];
export const DEFAULT_FLAVOR: ImageFlavor = "ubuntu-24.04";
export const MAX_NODES = 64;
/** Below this a Debian/Ubuntu guest with systemd, munge and slurmd does not boot reliably. */
export const MIN_MEMORY_MIB = 512;
/** The node images are 3 GiB filesystems; a node disk must hold them. */
export const MIN_DISK_GIB = 4;

export type ImageSource = { kind: "build"; flavor: ImageFlavor } | { kind: "prebuilt"; path: string };

export interface ClusterConfig {
    nodeCount: number;
    nodeMemoryMiB: number;
    nodeVcpus: number;
    nodeDiskGiB: number;
    domainType: DomainType;
    firmware: Firmware;
    libvirtUri: string;
    nodeCidr: Cidr;
    wireguardCidr: Cidr;
    wireguardPort: number;
    image: ImageSource;
    nodeAgentPath?: string;
    nodeAgentDelivery: NodeAgentDelivery;
    sshPublicKeys: string[];
    adminUser: string;
    controllerNode: number;
    k3sServerNode: number;
    slurm: boolean;
    k3s: boolean;
    k3sVersion: string;
    /** Network pre-seed for machines installed from the installer medium; undefined when not configured. */
    bareMetal?: BareMetal;
}

/**
 * Raw values as Pulumi hands them over (strings, or already-typed values in tests). Keys
 * the project does not know may be present too: they are reported, never ignored.
 */
export type RawConfig = Partial<Record<keyof typeof projectDefaults, unknown>> & { [other: string]: unknown };

export interface HostChecks {
    isFile(path: string): boolean;
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
}

export interface ConfigProblem {
    key: string;
    value: unknown;
    problem: string;
    fix: string;
}

export class ConfigError extends Error {
    constructor(
        readonly project: string,
        readonly problems: ConfigProblem[],
    ) {
        super(formatProblems(project, problems));
        this.name = "ConfigError";
    }
}

export function formatProblems(project: string, problems: ConfigProblem[]): string {
    const n = problems.length;
    const lines = problems.map(
        (p) => `  - ${project}:${p.key} = ${JSON.stringify(p.value)}: ${p.problem}. Fix: ${p.fix}`,
    );
    return `invalid configuration (${n} problem${n === 1 ? "" : "s"}); nothing was created:\n${lines.join("\n")}`;
}

/** Collects problems while values are parsed; each reader returns a usable value either way. */
class Reader {
    readonly problems: ConfigProblem[] = [];
    constructor(private readonly raw: RawConfig) {}

    value(key: ConfigKey): unknown {
        const v = this.raw[key];
        return v === undefined ? projectDefaults[key] : v;
    }

    report(key: string, value: unknown, problem: string, fix: string): void {
        this.problems.push({ key, value, problem, fix });
    }

    int(key: ConfigKey, min: number, max: number, example: number): number {
        const v = this.value(key);
        const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
        if (!Number.isInteger(n) || n < min || n > max) {
            this.report(key, v, `must be a whole number from ${min} to ${max}`, `pulumi config set ${key} ${example}`);
            return example;
        }
        return n;
    }

    bool(key: ConfigKey): boolean {
        const v = this.value(key);
        if (v === true || v === "true") return true;
        if (v === false || v === "false") return false;
        this.report(key, v, "must be true or false", `pulumi config set ${key} true`);
        return false;
    }

    str(key: ConfigKey): string {
        const v = this.value(key);
        if (typeof v !== "string") {
            this.report(key, v, "must be a string", `pulumi config set ${key} <value>`);
            return "";
        }
        return v.trim();
    }

    oneOf<T extends string>(key: ConfigKey, allowed: readonly T[]): T {
        const v = this.str(key);
        if (!(allowed as readonly string[]).includes(v)) {
            this.report(key, v, `must be one of ${allowed.join(", ")}`, `pulumi config set ${key} ${allowed[0]}`);
            return allowed[0];
        }
        return v as T;
    }

    stringList(key: ConfigKey): string[] {
        let v = this.value(key);
        if (typeof v === "string") {
            try {
                v = v.trim() === "" ? [] : JSON.parse(v);
            } catch {
                v = undefined;
            }
        }
        if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
            this.report(key, this.value(key), "must be a list of strings", `pulumi config set --path '${key}[0]' '<value>'`);
            return [];
        }
        return v.map((x: string) => x.trim());
    }

    cidr(key: ConfigKey, example: string): Cidr | undefined {
        const v = this.str(key);
        const parsed = parseCidr(v);
        if (typeof parsed === "string") {
            this.report(key, v, parsed, `pulumi config set ${key} ${example}`);
            return undefined;
        }
        return parsed;
    }
}

const SSH_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,3}( .*)?$/;
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const K3S_VERSION = /^v\d+\.\d+\.\d+\+k3s\d+$/;
const URI = /^[a-z][a-z0-9+]*:\/\/[^\s]*$/;

/** The known key a misspelt one most likely means, if any is close. */
export function closestKey(key: string): string | undefined {
    return closest(key, Object.keys(projectDefaults));
}

/** `stack` names the stack's own libvirt network, which the host checks leave out. */
export function validateConfig(raw: RawConfig, host: HostChecks, project = "clusteros-lab", stack?: string): ClusterConfig {
    const r = new Reader(raw);
    for (const key of Object.keys(raw).filter((k) => !(k in projectDefaults))) {
        const near = closestKey(key);
        r.report(key, raw[key], `is not a ${project} setting${near ? ` (did you mean ${near}?)` : ""}`,
            near ? `pulumi config rm ${key} && pulumi config set ${near} <value>`
                : `pulumi config rm ${key} (the settings are listed in Pulumi.yaml and the README)`);
    }
    const nodeCount = r.int("nodeCount", 1, MAX_NODES, 3);
    const nodeMemoryMiB = r.int("nodeMemoryMiB", MIN_MEMORY_MIB, 1024 * 1024, 2048);
    const nodeVcpus = r.int("nodeVcpus", 1, 64, 2);
    const nodeDiskGiB = r.int("nodeDiskGiB", MIN_DISK_GIB, 4096, 20);
    const domainType = r.oneOf<DomainType>("domainType", ["kvm", "qemu"]);
    const firmware = r.oneOf<Firmware>("firmware", ["bios", "uefi"]);
    if (firmware === "uefi" && !host.isFile(OVMF.code)) {
        r.report("firmware", firmware, `needs OVMF (${OVMF.code} is missing)`,
            "apt-get install ovmf on the libvirt host (make setup does), or pulumi config set firmware bios");
    }
    const libvirtUri = r.str("libvirtUri");
    if (!URI.test(libvirtUri)) {
        r.report("libvirtUri", libvirtUri, "is not a libvirt URI", "pulumi config set libvirtUri qemu:///system");
    }
    const wireguardPort = r.int("wireguardPort", 1, 65535, 51820);

    const nodeCidr = r.cidr("nodeCidr", "10.77.0.0/24");
    const wireguardCidr = r.cidr("wireguardCidr", "10.78.0.0/24");
    if (nodeCidr && nodeCapacity(nodeCidr) < nodeCount) {
        r.report("nodeCidr", nodeCidr.text,
            `holds at most ${Math.max(0, nodeCapacity(nodeCidr))} nodes (addresses .10 upward, below broadcast), not ${nodeCount}`,
            `use a larger network, e.g. pulumi config set nodeCidr ${nodeCidr.address}/24`);
    }
    if (wireguardCidr && wireguardCapacity(wireguardCidr) < nodeCount) {
        r.report("wireguardCidr", wireguardCidr.text,
            `holds at most ${Math.max(0, wireguardCapacity(wireguardCidr))} WireGuard addresses, not ${nodeCount}`,
            `use a larger network, e.g. pulumi config set wireguardCidr ${wireguardCidr.address}/24`);
    }
    if (nodeCidr && wireguardCidr && cidrsOverlap(nodeCidr, wireguardCidr)) {
        r.report("wireguardCidr", wireguardCidr.text, `overlaps nodeCidr ${nodeCidr.text}`,
            "choose a separate range, e.g. pulumi config set wireguardCidr 10.78.0.0/24");
    }
    if (stack !== undefined && host.networksInUse && URI.test(libvirtUri)) {
        const inUse = host.networksInUse(libvirtUri);
        if (typeof inUse === "string") {
            r.report("libvirtUri", libvirtUri, `libvirt does not answer there (${inUse})`,
                "start libvirt (make mode says how this machine runs it), or pulumi config set libvirtUri qemu:///system");
        } else if (nodeCidr) {
            const own = planNetwork(project, stack, nodeCidr);
            const conflicts = conflictsWith(nodeCidr, { network: own.name, bridge: own.bridge }, inUse);
            const [free] = freeRanges([...inUse.map((n) => n.cidr), ...(wireguardCidr ? [wireguardCidr.text] : [])]);
            for (const c of conflicts) {
                r.report("nodeCidr", nodeCidr.text, `overlaps ${c.owner} (${c.cidr}) on ${libvirtUri}`,
                    `choose a free range, e.g. pulumi config set nodeCidr ${free}`);
            }
        }
    }

    const flavorRaw = r.str("imageFlavor");
    const imagePath = r.str("imagePath");
    let image: ImageSource = { kind: "build", flavor: DEFAULT_FLAVOR };
    if (imagePath !== "" && flavorRaw !== "") {
        r.report("imagePath", imagePath, `is set together with imageFlavor (${flavorRaw}); the image would be ambiguous`,
            "pulumi config rm imageFlavor (to use the prebuilt image) or pulumi config rm imagePath (to build)");
    } else if (imagePath !== "") {
        if (!host.isFile(imagePath)) {
            r.report("imagePath", imagePath, "is not an existing image file",
                "give an existing qcow2 (make up builds one per flavor into ~/.cache/clusteros-lab/images/<flavor>-<hash>/), or pulumi config rm imagePath");
        }
        image = { kind: "prebuilt", path: imagePath };
    } else if (flavorRaw !== "") {
        if (!(IMAGE_FLAVORS as readonly string[]).includes(flavorRaw)) {
            r.report("imageFlavor", flavorRaw, `is not a known flavor (${IMAGE_FLAVORS.join(", ")})`,
                "pulumi config set imageFlavor debian-12");
        } else {
            image = { kind: "build", flavor: flavorRaw as ImageFlavor };
        }
    }

    const agent = r.str("nodeAgentPath");
    if (agent !== "" && !host.isFile(agent)) {
        r.report("nodeAgentPath", agent, "is not an existing file", "build the node-agent first, or pulumi config rm nodeAgentPath");
    }
    const nodeAgentDelivery = r.oneOf<NodeAgentDelivery>("nodeAgentDelivery", ["image", "live"]);
    if (nodeAgentDelivery === "live" && agent === "") {
        r.report("nodeAgentDelivery", "live", "needs a node-agent binary to deliver", "pulumi config set nodeAgentPath /path/to/node-agent");
    }
    if (nodeAgentDelivery === "live" && image.kind === "prebuilt") {
        r.report("nodeAgentDelivery", "live", "needs the unit of a built image; a prebuilt image may not have it",
            "pulumi config set nodeAgentDelivery image");
    }

    const sshPublicKeys = r.stringList("sshPublicKeys");
    sshPublicKeys.forEach((k, i) => {
        if (!SSH_KEY.test(k)) {
            r.report(`sshPublicKeys[${i}]`, k.slice(0, 40), "is not an OpenSSH public key line",
                `pulumi config set --path 'sshPublicKeys[${i}]' "$(cat ~/.ssh/id_ed25519.pub)"`);
        }
    });
    const adminUser = r.str("adminUser");
    if (!USER.test(adminUser) || adminUser === "root") {
        r.report("adminUser", adminUser, "must be a lower-case login name other than root", "pulumi config set adminUser clusteros");
    }

    const controllerNode = r.int("controllerNode", 1, MAX_NODES, 1);
    if (controllerNode > nodeCount) {
        r.report("controllerNode", controllerNode, `is beyond nodeCount (${nodeCount})`, "pulumi config set controllerNode 1");
    }
    const k3sServerNode = r.int("k3sServerNode", 1, MAX_NODES, 1);
    if (k3sServerNode > nodeCount) {
        r.report("k3sServerNode", k3sServerNode, `is beyond nodeCount (${nodeCount})`, "pulumi config set k3sServerNode 1");
    }
    const slurm = r.bool("slurm");
    const k3s = r.bool("k3s");
    const k3sVersion = r.str("k3sVersion");
    if (!K3S_VERSION.test(k3sVersion)) {
        r.report("k3sVersion", k3sVersion, "is not a K3s release tag like v1.31.4+k3s1", "pulumi config set k3sVersion v1.31.4+k3s1");
    }

    const bareMetal = parseBareMetal(r.value("bareMetal"), image, host.isSecret?.bind(host));
    r.problems.push(...bareMetal.problems);

    if (r.problems.length > 0 || !nodeCidr || !wireguardCidr) {
        throw new ConfigError(project, r.problems);
    }
    return {
        nodeCount, nodeMemoryMiB, nodeVcpus, nodeDiskGiB, domainType, firmware, libvirtUri,
        nodeCidr, wireguardCidr, wireguardPort, image,
        nodeAgentPath: agent === "" ? undefined : agent, nodeAgentDelivery,
        sshPublicKeys, adminUser, controllerNode, k3sServerNode, slurm, k3s, k3sVersion,
        bareMetal: bareMetal.value,
    };
}
