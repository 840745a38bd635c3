// A stack's outputs (the one given, else the selected one), read with `pulumi stack output --json`: the CLI never
// recomputes what the program knows.
import { execFileSync } from "node:child_process";
import type { NodeOutput } from "../components/plan/cluster-plan";
import { MAIN_HOST } from "../components/plan/hosts";
import { programDir } from "../components/program-dir";

/** A node as the stack's `nodes` output gives it (components/plan/cluster-plan.ts declares it). */
export type NodeInfo = NodeOutput;

/** A libvirt host (daemon) of the stack, as its `hosts` output gives it. */
export interface HostInfo {
    name: string;
    libvirtUri: string;
    nodeCidr: string;
    network: string;
    /** Numbers (1-based) of the nodes it holds. */
    nodes: number[];
}

export { MAIN_HOST };

export interface StackInfo {
    stack: string;
    nodes: NodeInfo[];
    /** Every libvirt host of the stack, the main host first. */
    hosts: HostInfo[];
    controller?: string;
    adminUser: string;
    /** The main host's URI. */
    libvirtUri: string;
    /** The node image's content hash ("" for a prebuilt image). */
    imageHash: string;
    automationPrivateKey: string;
    /** With nodeAgentSource: the build the stack gives its nodes (stack output nodeAgent). */
    nodeAgentBuild?: { sourceHash: string; sha256: string };
}

export class CliError extends Error {}

export type Runner = (cmd: string, args: string[]) => string;

/** Runs in the program's directory (components/program-dir.ts), as `pulumi` needs to find the stack. */
export const run: Runner = (cmd, args) => execFileSync(cmd, args, { cwd: programDir(), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

export function parseStackOutputs(stack: string, json: string): StackInfo {
    const o = JSON.parse(json);
    if (!Array.isArray(o.nodes) || o.nodes.length === 0) {
        throw new CliError(`stack '${stack}' is not up (it has no nodes): run make up STACK=${stack}`);
    }
    // A stack deployed before nodes could live on several hosts: one host, `main`, holds them all.
    const hosts: HostInfo[] = Array.isArray(o.hosts) && o.hosts.length > 0 ? o.hosts : [{
        name: MAIN_HOST, libvirtUri: o.libvirtUri, nodeCidr: "", network: o.network ?? "",
        nodes: o.nodes.map((_: unknown, i: number) => i + 1),
    }];
    const nodes: NodeInfo[] = o.nodes.map((n: Omit<NodeOutput, "host"> & { host?: string }) => ({ ...n, host: n.host ?? MAIN_HOST }));
    for (const n of nodes) {
        if (!hosts.some((h) => h.name === n.host)) {
            throw new CliError(`stack '${stack}' puts ${n.name} on host '${n.host}', which its hosts output does not list `
                + `(it lists ${hosts.map((h) => h.name).join(", ")}): run make up STACK=${stack}`);
        }
    }
    return {
        stack,
        nodes,
        hosts,
        controller: o.controller,
        adminUser: o.adminUser,
        libvirtUri: o.libvirtUri,
        imageHash: o.image?.hash ?? "",
        automationPrivateKey: o.automationPrivateKey,
        ...(o.nodeAgent?.sourceHash ? { nodeAgentBuild: { sourceHash: o.nodeAgent.sourceHash, sha256: o.nodeAgent.sha256 } } : {}),
    };
}

export const NO_STACK = "no stack given and none selected: choose one with pulumi stack select NAME "
    + "(pulumi stack ls lists them), or give it: --stack NAME, make ... STACK=NAME";

/** The stack to act on, as Pulumi's own commands pick it: the one given, else the selected one. */
export function resolveStack(given: string | undefined, runner: Runner = run): string {
    if (given) return given;
    let selected = "";
    try {
        selected = runner("pulumi", ["stack", "--show-name"]).trim();
    } catch {
        // pulumi exits non-zero when no stack is selected
    }
    if (!selected) throw new CliError(NO_STACK);
    return selected;
}

export function loadStack(given: string | undefined, runner: Runner = run): StackInfo {
    const stack = resolveStack(given, runner);
    let json: string;
    try {
        json = runner("pulumi", ["stack", "output", "--stack", stack, "--json", "--show-secrets"]);
    } catch (e) {
        const msg = (e as { stderr?: string }).stderr ?? String(e);
        if (/no stack named|could not find/i.test(msg)) {
            throw new CliError(`there is no stack '${stack}': see pulumi stack ls`);
        }
        throw new CliError(`cannot read the outputs of stack '${stack}': ${msg.trim()}`);
    }
    return parseStackOutputs(stack, json);
}

/** Node by number (1-based), with a clear error when out of range. */
export function nodeByNumber(info: StackInfo, n: string | number): NodeInfo {
    const i = Number(n);
    if (!Number.isInteger(i) || i < 1 || i > info.nodes.length) {
        throw new CliError(`node ${n} is out of range: stack '${info.stack}' has nodes 1-${info.nodes.length}`);
    }
    return info.nodes[i - 1];
}

/** The libvirt host a node lives on: the one place that decides where virsh goes for it. */
export function hostOf(info: StackInfo, node: NodeInfo): HostInfo {
    const host = info.hosts.find((h) => h.name === node.host);
    if (!host) throw new CliError(`${node.name} is on host '${node.host}', which stack '${info.stack}' does not list`);
    return host;
}
