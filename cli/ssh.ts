// SSH access to nodes with the stack's automation key, and an ssh_config for people.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Ran, spawnCollect } from "../components/exec/spawn";
import { SSH_SETTINGS, sshArgv } from "../components/exec/ssh";
import { stateDir } from "../components/plan/paths";
import { renderFile } from "../components/plan/templates";
import { inPlace, labNetns } from "./place";
import { NodeInfo, StackInfo } from "./stack";

/** Writes the automation key 0600 to a private temporary file; returns its path and a cleanup. */
export function keyFile(info: StackInfo): { file: string; cleanup: () => void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clusteros-lab-"));
    const file = path.join(dir, "id");
    fs.writeFileSync(file, info.automationPrivateKey, { mode: 0o600 });
    return { file, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The ssh command line (program first) that reaches a node from here, in either mode. */
export function sshArgvOf(info: StackInfo, node: NodeInfo, key: string, mode: "batch" | "interactive", command: string[] = [],
    netns = labNetns()): string[] {
    return inPlace(sshArgv({ user: info.adminUser, host: node.ip, key }, mode, command), netns);
}

/** Runs a command on a node; resolves with its exit code and output. */
export function runOn(info: StackInfo, node: NodeInfo, key: string, command: string, input?: string): Promise<Ran> {
    return spawnCollect(sshArgvOf(info, node, key, "batch", [command]), { input });
}

export function interactive(info: StackInfo, node: NodeInfo, key: string, command?: string): number {
    const [program, ...args] = sshArgvOf(info, node, key, "interactive", command ? [command] : []);
    const r = spawnSync(program, args, { stdio: "inherit" });
    return r.status ?? 255;
}

/**
 * Where `lab ssh-config` keeps a stack's automation key for people's ssh: the user's state
 * directory (0700), never beside the config file, which may be in a checkout.
 */
export function sshKeyPath(stack: string, env: NodeJS.ProcessEnv = process.env): string {
    return path.join(stateDir(env), "ssh", `${stack}.key`);
}

/** Writes the stack's automation key 0600 at sshKeyPath, its directory 0700; returns the path. */
export function writeSshKey(info: StackInfo, env: NodeJS.ProcessEnv = process.env): string {
    const key = sshKeyPath(info.stack, env);
    fs.mkdirSync(path.dirname(key), { recursive: true, mode: 0o700 });
    fs.chmodSync(path.dirname(key), 0o700);
    fs.writeFileSync(key, info.automationPrivateKey, { mode: 0o600 });
    fs.chmodSync(key, 0o600);
    return key;
}

/**
 * ssh_config so that `ssh -F FILE cluster-node-N` works from this host, with the key at
 * `keyPath` (sshKeyPath). In namespace mode each connection is carried into the lab namespace by a
 * ProxyCommand, so plain ssh works without `ip netns exec`.
 */
export function sshConfig(info: StackInfo, keyPath: string, file: string, netns = labNetns()): string {
    return renderFile(path.join(__dirname, "ssh_config.mustache"), {
        stack: info.stack, file, netns,
        nodes: info.nodes.map((n) => ({ name: n.name, ip: n.ip, user: info.adminUser, key: keyPath })),
        options: SSH_SETTINGS.map(([name, value]) => ({ name, value })),
    });
}
