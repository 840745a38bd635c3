// SSH access to nodes with the stack's automation key, and an ssh_config for people.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderFile } from "../components/plan/templates";
import { inPlace, labNetns } from "./place";
import { NodeInfo, StackInfo } from "./stack";

export const SSH_OPTIONS = [
    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
    "-o", "ConnectTimeout=8",
];

/** Writes the automation key 0600 to a private temporary file; returns its path and a cleanup. */
export function keyFile(info: StackInfo): { file: string; cleanup: () => void } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clusteros-lab-"));
    const file = path.join(dir, "id");
    fs.writeFileSync(file, info.automationPrivateKey, { mode: 0o600 });
    return { file, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The ssh command line (program first) that reaches a node from here, in either mode. */
export function sshArgv(info: StackInfo, node: NodeInfo, key: string, batch: boolean, netns = labNetns()): string[] {
    return inPlace(["ssh", "-i", key, ...SSH_OPTIONS, ...(batch ? ["-o", "BatchMode=yes"] : ["-t"]),
        `${info.adminUser}@${node.ip}`], netns);
}

/** Runs a command on a node; resolves with its exit code and output. */
export function runOn(info: StackInfo, node: NodeInfo, key: string, command: string, input?: string)
    : Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const [program, ...args] = sshArgv(info, node, key, true);
        const child = spawn(program, [...args, command], { stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (code) => resolve({ code: code ?? 255, stdout, stderr }));
        child.stdin.on("error", () => undefined); // ssh exited before reading: its exit code tells
        child.stdin.end(input ?? "");
    });
}

export function interactive(info: StackInfo, node: NodeInfo, key: string, command?: string): number {
    const [program, ...args] = sshArgv(info, node, key, false);
    const r = spawnSync(program, [...args, ...(command ? [command] : [])], { stdio: "inherit" });
    return r.status ?? 255;
}

/**
 * ssh_config so that `ssh -F FILE cluster-node-N` works from this host; the key lives 0600
 * next to it. In namespace mode each connection is carried into the lab namespace by a
 * ProxyCommand, so plain ssh works without `ip netns exec`.
 */
export function sshConfig(info: StackInfo, keyPath: string, file: string, netns = labNetns()): string {
    return renderFile(path.join(__dirname, "ssh_config.mustache"), {
        stack: info.stack, file, netns,
        nodes: info.nodes.map((n) => ({ name: n.name, ip: n.ip, user: info.adminUser, key: keyPath })),
    });
}
