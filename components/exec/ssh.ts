// SSH to lab nodes: one set of options (the file ssh-options beside this one) for the
// membership steps, the lab CLI, the tests and the ssh_config written for people.
import * as fs from "node:fs";
import * as path from "node:path";

/** The options as [name, value] pairs, in the file's order. */
export const SSH_SETTINGS: readonly [string, string][] = fs.readFileSync(path.join(__dirname, "ssh-options"), "utf8")
    .split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"))
    .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]);

const asArgs = (settings: readonly [string, string][]) => settings.flatMap(([k, v]) => ["-o", `${k}=${v}`]);

export const SSH_OPTIONS: readonly string[] = asArgs(SSH_SETTINGS);

/** Host keys neither asked nor kept: what the printed ssh commands of the outputs carry. */
export const HOST_KEY_OPTIONS: readonly string[] = asArgs(SSH_SETTINGS
    .filter(([k]) => k === "StrictHostKeyChecking" || k === "UserKnownHostsFile"));

export interface SshTarget {
    user: string;
    host: string;
    /** Path of the private key file (0600). */
    key: string;
    /** When not 22: a port forwarded to the machine's SSH (a VM on QEMU's user network). */
    port?: number;
    /**
     * Batch commands only: ssh's ControlPath, where commands to the same node share one
     * connection (the first one opens it, it closes 10 s after the last one ends). Under TCG a
     * new connection costs the guest about a second (sshd's exec, key exchange, PAM); a
     * command over an open one, a tenth of that. The connection's keepalive is short, so a
     * node that stopped answering (crashed, paused, restored) drops it within 9 s; the lab
     * forgets it at once when it crashes, powers off or restores a node (cli/ssh.ts).
     */
    control?: string;
}

/** ssh's options for a shared connection at `control` (ssh keeps the first value it is given). */
export const controlOptions = (control: string): string[] => ["-o", "ControlMaster=auto", "-o", `ControlPath=${control}`,
    "-o", "ControlPersist=10", "-o", "ServerAliveInterval=3", "-o", "ServerAliveCountMax=3"];

/**
 * What ssh prints when a shared connection cannot serve a command (its master gone with a node
 * that stopped answering, or the node refusing one more session on it): ssh then runs the
 * command over a connection of its own, and these lines are only noise in its output.
 */
export const SHARED_CONNECTION_NOISE = /^(mux_client_[a-z_]+: .*|ControlSocket .* already exists, disabling multiplexing|Control socket connect\(.*)\r?$/;

/** ssh to a target: batch (no prompts, for programs) or interactive (with a terminal). */
export function sshArgv(t: SshTarget, mode: "batch" | "interactive", command: string[] = []): string[] {
    const shared = t.control && mode === "batch" ? controlOptions(t.control) : [];
    return ["ssh", "-i", t.key, ...shared, ...SSH_OPTIONS, ...(t.port ? ["-p", String(t.port)] : []), ...(mode === "batch" ? ["-o", "BatchMode=yes"] : ["-t"]),
        `${t.user}@${t.host}`, ...command];
}

/** scp of a local file to a path on the target. */
export function scpArgv(t: SshTarget, source: string, destination: string): string[] {
    return ["scp", "-i", t.key, ...SSH_OPTIONS, "-o", "BatchMode=yes", "-q", source, `${t.user}@${t.host}:${destination}`];
}
