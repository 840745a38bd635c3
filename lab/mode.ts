// Where the lab runs on this machine: its mode. The one decision, for `make`, `lab`, the
// test API and the bench (the bash scripts ask `lab mode` and `lab in-place`).
//
// host       the libvirt daemon that serves qemu:///system where this process runs is used as
//            it is (a systemd service on a workstation). The lab never starts, stops or
//            reconfigures it; nodes are reachable from here.
// namespace  one network namespace holds one libvirtd (started by the lab when none runs,
//            lab/daemon.ts) and every stack's bridges and guests; the lab enters it for you.
//
// Chosen per machine, in this order:
//   1. CLUSTEROS_LAB_MODE=host|namespace (make MODE=...), or CLUSTEROS_LAB_NETNS=name (make NETNS=...)
//   2. a running libvirt daemon (libvirtd or virtqemud): in this process's network namespace,
//      or one this user may not look into (root's service, seen by a user in the libvirt
//      group) -> host; in a named namespace -> namespace mode with that namespace
//   3. no daemon, but systemd is PID 1 (it starts libvirt on demand) -> host
//   4. otherwise (sandboxes, containers, this project's CI) -> namespace clusteros-lab
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { LabError } from "./errors";

export const DEFAULT_NETNS = "clusteros-lab";

export interface Mode {
    mode: "host" | "namespace";
    /** The lab namespace in namespace mode; "" in host mode. */
    netns: string;
    /** One line saying why, printed by `make up` and `lab mode`. */
    why: string;
}

/** What the decision looks at, each its own function so it can be tested with other facts. */
export interface ModeFacts {
    /** The oldest libvirtd or virtqemud, if one runs. */
    daemonPid(): number | undefined;
    /** Whether this user may look into the process's network namespace. */
    netnsVisible(pid: number): boolean;
    sameNetns(pid: number): boolean;
    /** The name `ip netns` knows the process's namespace by; "" for none. */
    netnsOf(pid: number): string;
    systemd(): boolean;
}

export class ModeError extends LabError {}

const netnsLink = (pid: number | "self") => {
    try {
        return fs.readlinkSync(`/proc/${pid}/ns/net`);
    } catch {
        return undefined;
    }
};

export const machineFacts: ModeFacts = {
    daemonPid: () => {
        const r = spawnSync("pgrep", ["-xo", "libvirtd|virtqemud"], { encoding: "utf8" });
        const pid = Number(r.stdout.trim());
        return r.status === 0 && pid > 0 ? pid : undefined;
    },
    netnsVisible: (pid) => netnsLink(pid) !== undefined,
    sameNetns: (pid) => netnsLink(pid) !== undefined && netnsLink(pid) === netnsLink("self"),
    netnsOf: (pid) => spawnSync("ip", ["netns", "identify", String(pid)], { encoding: "utf8" }).stdout?.trim() ?? "",
    systemd: () => fs.existsSync("/run/systemd/system"),
};

/** This machine's mode, from the environment and the facts. */
export function labMode(env: NodeJS.ProcessEnv = process.env, facts: ModeFacts = machineFacts): Mode {
    const explicit = env.CLUSTEROS_LAB_MODE ?? "";
    const ns = env.CLUSTEROS_LAB_NETNS?.trim() ?? "";
    const host = (why: string): Mode => ({ mode: "host", netns: "", why: `host mode: ${why}` });
    const namespace = (name: string, why: string): Mode => ({ mode: "namespace", netns: name, why: `namespace mode (${name}): ${why}` });
    if (explicit === "host") return host("CLUSTEROS_LAB_MODE=host");
    if (explicit === "namespace") return namespace(ns || DEFAULT_NETNS, "CLUSTEROS_LAB_MODE=namespace");
    if (explicit !== "") {
        throw new ModeError(`CLUSTEROS_LAB_MODE (make MODE=) is '${explicit}': use host or namespace, or leave it unset to detect`);
    }
    if (ns) return namespace(ns, `CLUSTEROS_LAB_NETNS=${ns}`);
    const pid = facts.daemonPid();
    if (pid !== undefined) {
        // A user who is not root cannot see the namespace of root's daemon (a workstation's
        // libvirt service): a service runs in the host's namespace, which is the user's.
        if (!facts.netnsVisible(pid)) {
            return host(`the libvirt daemon (pid ${pid}) runs as another user, as a system service does; the lab uses it as it is`);
        }
        if (facts.sameNetns(pid)) return host(`the libvirt daemon (pid ${pid}) runs here; the lab uses it as it is`);
        const where = facts.netnsOf(pid);
        if (where) return namespace(where, `the libvirt daemon (pid ${pid}) runs in network namespace ${where}`);
        return host(`the libvirt daemon (pid ${pid}) runs in an unnamed network namespace; nodes may be unreachable from here`);
    }
    if (facts.systemd()) return host("systemd is PID 1 and starts libvirt on demand");
    return namespace(DEFAULT_NETNS,
        `no libvirt daemon runs and PID 1 is not systemd, so the lab runs its own in namespace ${DEFAULT_NETNS}`);
}

/** argv to run a program where the nodes are reachable: inside `netns` when there is one. */
export function inPlace(argv: string[], netns: string | undefined): string[] {
    return netns ? ["ip", "netns", "exec", netns, ...argv] : argv;
}

/**
 * Runs argv where the nodes are reachable, its output on this process's, with
 * CLUSTEROS_LAB_NETNS naming the namespace ("" in host mode); its exit code.
 */
export function runInPlace(argv: string[], env: NodeJS.ProcessEnv = process.env, cwd?: string): number {
    const { netns } = labMode(env);
    const [program, ...args] = inPlace(argv, netns);
    const r = spawnSync(program, args, { stdio: "inherit", cwd, env: { ...env, CLUSTEROS_LAB_NETNS: netns } });
    if (r.error) throw new ModeError(`${argv[0]}: ${r.error.message}`);
    return r.status ?? 1;
}
