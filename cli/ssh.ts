// SSH access to nodes with the stack's automation key, and an ssh_config for people.
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Ran, spawnCollect } from "../components/exec/spawn";
import { SHARED_CONNECTION_NOISE, SSH_SETTINGS, sshArgv } from "../components/exec/ssh";
import { stateDir } from "../components/plan/paths";
import { makeKeyDir } from "../lab/key-dirs";
import { renderFile } from "../components/plan/templates";
import { inPlace, labNetns } from "./place";
import { NodeInfo, StackInfo } from "./stack";

/** Writes the automation key 0600 to a private temporary file; returns its path and a cleanup. */
export function keyFile(info: StackInfo): { file: string; cleanup: () => void } {
    const dir = makeKeyDir();
    const file = path.join(dir, "id");
    fs.writeFileSync(file, info.automationPrivateKey, { mode: 0o600 });
    return { file, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The directory of a stack's shared connections (SshTarget.control), one per place the nodes
 * are reached from (host or lab namespace): private to this user, under the temporary
 * directory, with a short name, since a socket's path has at most 107 bytes. Undefined (no
 * sharing) where that cannot be had.
 */
export function connectionsDir(stack: string, netns = labNetns(), env: NodeJS.ProcessEnv = process.env): string | undefined {
    const uid = process.getuid?.() ?? 0;
    const base = path.join(env.TMPDIR || os.tmpdir(), `clusteros-lab-ssh-${uid}`);
    const dir = path.join(base, crypto.createHash("sha256").update(`${netns ?? ""}\0${stack}`).digest("hex").slice(0, 12));
    // ssh adds %C (40 characters) and, while it binds, a 17-character suffix.
    if (dir.length + 1 + 40 + 17 > 107) return undefined;
    try {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        for (const d of [base, dir]) {
            const st = fs.lstatSync(d);
            if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) return undefined;
        }
        return dir;
    } catch {
        return undefined;
    }
}

/**
 * Closes the stack's shared connections: before the lab pauses, saves, crashes or powers off
 * its nodes, and after it restores them. A connection kept open across such a gap would send
 * its keepalives into it (and leave the host's ARP entry for the node failed, so the first
 * command after it finds "no route to host"), or would wait for them to give up; commands
 * afterwards open new connections.
 */
export function forgetConnections(stack: string, netns = labNetns(), env: NodeJS.ProcessEnv = process.env): void {
    const dir = connectionsDir(stack, netns, env);
    for (const f of dir ? fs.readdirSync(dir) : []) {
        // The master listens on this socket from whichever namespace it runs in; -O exit needs
        // no host, only the socket.
        spawnSync("ssh", ["-o", `ControlPath=${path.join(dir!, f)}`, "-O", "exit", "lab-node"], { stdio: "ignore", timeout: 5_000 });
        fs.rmSync(path.join(dir!, f), { force: true });
    }
}

/** The ssh command line (program first) that reaches a node from here, in either mode. */
export function sshArgvOf(info: StackInfo, node: NodeInfo, key: string, mode: "batch" | "interactive", command: string[] = [],
    netns = labNetns()): string[] {
    const dir = mode === "batch" ? connectionsDir(info.stack, netns) : undefined;
    return inPlace(sshArgv({ user: info.adminUser, host: node.ip, key, control: dir && path.join(dir, "%C") }, mode, command), netns);
}

const withoutNoise = (text: string) => text.split("\n").filter((l) => !SHARED_CONNECTION_NOISE.test(l)).join("\n");

/** Runs a command on a node (over the node's shared connection); resolves with its exit code and output. */
export async function runOn(info: StackInfo, node: NodeInfo, key: string, command: string, input?: string): Promise<Ran> {
    const r = await spawnCollect(sshArgvOf(info, node, key, "batch", [command]), { input });
    return { ...r, stderr: withoutNoise(r.stderr), output: withoutNoise(r.output) };
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
