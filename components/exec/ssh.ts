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
}

/** ssh to a target: batch (no prompts, for programs) or interactive (with a terminal). */
export function sshArgv(t: SshTarget, mode: "batch" | "interactive", command: string[] = []): string[] {
    return ["ssh", "-i", t.key, ...SSH_OPTIONS, ...(t.port ? ["-p", String(t.port)] : []), ...(mode === "batch" ? ["-o", "BatchMode=yes"] : ["-t"]),
        `${t.user}@${t.host}`, ...command];
}

/** scp of a local file to a path on the target. */
export function scpArgv(t: SshTarget, source: string, destination: string): string[] {
    return ["scp", "-i", t.key, ...SSH_OPTIONS, "-o", "BatchMode=yes", "-q", source, `${t.user}@${t.host}:${destination}`];
}
