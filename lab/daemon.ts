// The libvirt daemon the lab uses (`lab daemon ensure|start|stop|status`, and
// `make up/preview/down/libvirtd-*` through scripts/libvirtd.sh):
//   ensure  host mode checks that the system's daemon answers (and never starts one);
//           namespace mode starts the lab's own if needed
//   start/stop/status  namespace mode's own daemon: virtlogd and libvirtd without systemd,
//           inside a network namespace (loopback up) so that bridges, dnsmasq and guest
//           traffic never leave it. The libvirt socket is a file, so clients anywhere on the
//           host can still talk to the daemon.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../components/plan/paths";
import { DEFAULT_NETNS, labMode, machineFacts, Mode, ModeError, ModeFacts } from "./mode";
import { alive, sleepSync } from "./processes";

const LIBVIRTD_PID = "/run/libvirtd.pid";
const VIRTLOGD_PID = "/run/virtlogd.pid";
const CONF = path.join(PROJECT_ROOT, "scripts", "libvirtd.conf");

export const log = (line: string) => process.stderr.write(`==> ${line}\n`);

const run = (argv: string[], env: NodeJS.ProcessEnv = process.env) => spawnSync(argv[0], argv.slice(1), { encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"] });
const ok = (argv: string[]) => run(argv).status === 0;

/** Whether the daemon at the URI (LIBVIRT_DEFAULT_URI, else qemu:///system) answers. */
export function answers(env: NodeJS.ProcessEnv = process.env): boolean {
    return ok(["virsh", "-c", env.LIBVIRT_DEFAULT_URI || "qemu:///system", "version"]);
}

/** This machine's network namespaces, by name (env: the one `ip` runs with). */
export function namespaces(env: NodeJS.ProcessEnv = process.env): string[] {
    return spawnSync("ip", ["netns", "list"], { encoding: "utf8", env, stdio: ["ignore", "pipe", "ignore"] }).stdout.split("\n").map((l) => l.trim().split(/\s+/)[0]).filter(Boolean);
}

function pidOf(file: string): number | undefined {
    try {
        const pid = Number(fs.readFileSync(file, "utf8").trim());
        return pid > 0 ? pid : undefined;
    } catch {
        return undefined;
    }
}

/** Stops the process a pid file names (TERM, at most 10 s, then KILL) and removes the file. */
export function stopPidFile(file: string): void {
    const pid = pidOf(file);
    if (pid !== undefined && alive(pid)) {
        process.kill(pid, "SIGTERM");
        for (let i = 0; i < 50 && alive(pid); i++) sleepSync(200);
        if (alive(pid)) process.kill(pid, "SIGKILL");
    }
    fs.rmSync(file, { force: true });
}

/**
 * Without udev, /dev/kvm stays root-only; libvirt then probes QEMU with KVM (as root) but
 * finds KVM unusable for its QEMU user, declares its capability cache outdated on every call
 * and re-probes QEMU (tens of seconds per API call). Give the device the owner and mode
 * Debian's udev rules give it (root:kvm 0660).
 */
function fixKvmPermissions(): void {
    if (!fs.existsSync("/dev/kvm") || !ok(["getent", "group", "kvm"])) return;
    if (run(["stat", "-c", "%G:%a", "/dev/kvm"]).stdout.trim() === "kvm:660") return;
    if (ok(["chgrp", "kvm", "/dev/kvm"]) && ok(["chmod", "0660", "/dev/kvm"])) log("/dev/kvm set to root:kvm 0660 (as udev would)");
}

/** Host mode: the system's daemon, used as it is. Never started, stopped or reconfigured here. */
function ensureHost(mode: Mode, facts: ModeFacts): void {
    if (answers()) return;
    const fix = facts.systemd()
        ? "sudo systemctl enable --now libvirtd (or virtqemud.socket where libvirt is modular)"
        : "start your distribution's libvirt service";
    throw new ModeError(`libvirt does not answer at ${process.env.LIBVIRT_DEFAULT_URI || "qemu:///system"} (${mode.why}). `
        + `Fix: ${fix}; the lab never starts a daemon in host mode. To let the lab run its own in a namespace instead: make up NETNS=${DEFAULT_NETNS}`);
}

/** Namespace mode: the lab's own daemon in namespace `ns`, started unless it already runs there. */
export function start(ns: string, facts: ModeFacts = machineFacts): void {
    if (process.getuid?.() !== 0) throw new ModeError("libvirtd must be started as root (qemu:///system)");
    if (!ok(["sh", "-c", "command -v libvirtd"])) throw new ModeError("libvirtd is not installed: run make setup");
    const daemon = facts.daemonPid();
    if (daemon !== undefined) {
        const where = facts.netnsOf(daemon);
        if (where === ns && answers()) {
            log(`libvirtd runs in namespace ${ns} (pid ${daemon})`);
            return;
        }
        if (!where) {
            throw new ModeError(`a libvirt daemon (pid ${daemon}) already runs outside any lab namespace (the system's own): use host mode `
                + "(make up without NETNS/MODE); the lab never starts a second daemon on the same socket");
        }
        if (where !== ns) {
            throw new ModeError(`libvirtd already runs in namespace '${where}', not '${ns}': use that namespace (NETNS=${where}), `
                + `or stop it first (scripts/libvirtd.sh stop ${where})`);
        }
    }
    const created = !namespaces().includes(ns);
    if (created && !ok(["ip", "netns", "add", ns])) throw new ModeError(`ip netns add ${ns} failed`);
    try {
        // No pipes to what starts a daemon: a daemon that kept one open would hold this process
        // waiting; its complaints go to this process's standard error as they are.
        const inNs = (...argv: string[]) => {
            const r = spawnSync("ip", ["netns", "exec", ns, ...argv], { stdio: ["ignore", "ignore", "inherit"] });
            if (r.status !== 0) throw new ModeError(`${argv.join(" ")} failed in namespace ${ns} (exit ${r.status ?? r.signal})`);
        };
        inNs("ip", "link", "set", "lo", "up");
        fixKvmPermissions();
        if (!alive(pidOf(VIRTLOGD_PID))) inNs("virtlogd", "-d");
        if (!alive(pidOf(LIBVIRTD_PID))) inNs("libvirtd", "-d", "-f", CONF);
        for (let i = 0; i < 50; i++) {
            if (answers()) {
                log(`libvirtd runs in namespace ${ns}`);
                return;
            }
            sleepSync(200);
        }
        throw new ModeError("libvirtd did not answer on qemu:///system within 10s (see /var/log/libvirt/libvirtd.log)");
    } catch (e) {
        // A start that fails removes what it made: the namespace, and the daemons in it.
        if (created) {
            stop(ns, () => undefined);
            log(`start failed: namespace ${ns} removed`);
        }
        throw e;
    }
}

/**
 * Ends every process left in network namespace ns (libvirt's dnsmasq, guests): SIGTERM, then
 * SIGKILL for what still runs a second later; then deletes the namespace. Nothing if it is gone.
 */
export function removeNamespace(ns: string, env: NodeJS.ProcessEnv = process.env): void {
    if (!namespaces(env).includes(ns)) return;
    const pids = () => run(["ip", "netns", "pids", ns], env).stdout.split("\n").map(Number).filter((p) => p > 0);
    const signal = (sig: NodeJS.Signals) => pids().forEach((p) => { try { process.kill(p, sig); } catch { /* gone already */ } });
    signal("SIGTERM");
    for (let i = 0; i < 10 && pids().length > 0; i++) sleepSync(100);
    signal("SIGKILL");
    run(["ip", "netns", "delete", ns], env);
}

/** Stops the lab's own daemons, then every process left in the namespace, and removes it. */
export function stop(ns: string, say: (line: string) => void = log): void {
    stopPidFile(LIBVIRTD_PID);
    stopPidFile(VIRTLOGD_PID);
    removeNamespace(ns);
    say(`libvirtd stopped, namespace ${ns} removed`);
}

/** The lab's own daemons and this machine's namespaces, as lines; ok when both daemons run. */
export function status(facts: ModeFacts = machineFacts): { lines: string[]; ok: boolean } {
    const lines: string[] = [];
    let running = true;
    for (const [name, file] of [["libvirtd", LIBVIRTD_PID], ["virtlogd", VIRTLOGD_PID]]) {
        const pid = pidOf(file);
        if (alive(pid)) lines.push(`${name}: running (pid ${pid}, namespace ${facts.netnsOf(pid!)})`);
        else { lines.push(`${name}: not running`); running = false; }
    }
    lines.push(`namespaces: ${namespaces().join(" ")}`);
    return { lines, ok: running };
}

/** What `make up/preview/down` need: in host mode a daemon that answers, in namespace mode the lab's own, started if needed. */
export function ensure(env: NodeJS.ProcessEnv = process.env, facts: ModeFacts = machineFacts): Mode {
    const mode = labMode(env, facts);
    log(mode.why);
    if (mode.mode === "host") ensureHost(mode, facts);
    else start(mode.netns, facts);
    return mode;
}

/** `lab daemon ACTION [NETNS]`: its exit code. NETNS defaults to the mode's namespace, else clusteros-lab. */
export function daemonCommand(action: string, netns?: string): number {
    const ns = () => netns || labMode().netns || DEFAULT_NETNS;
    switch (action) {
        case "ensure": ensure(); return 0;
        case "start": start(ns()); return 0;
        case "stop": stop(ns()); return 0;
        case "status": {
            const s = status();
            s.lines.forEach((l) => console.log(l));
            return s.ok ? 0 : 1;
        }
        default: throw new ModeError(`lab daemon: no action '${action}': use ensure, start, stop or status`);
    }
}
