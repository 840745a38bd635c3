// Delay, jitter, duplication, reordering and corruption of what a node sends to chosen peers,
// from outside the guest and without netem on the host: QEMU's filter-redirector on the node's
// network backend (QMP, through virsh qemu-monitor-command) hands every frame the guest sends to
// the lab's relay (cli/relay.ts, a process on the host) and sends on what it gives back. The
// relay applies the node's rules per destination address (cli/relay-rules.ts); other frames
// pass at once. The domain's definition is untouched; heal removes the filter, QEMU lets go of
// the relay, and the relay ends.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../components/plan/paths";
import { netdevs } from "./nic-delay";
import { qmp, qemuRuns } from "./qmp";
import type { RelayRule } from "./relay-rules";
import { CliError } from "./stack";
import type { Virsh } from "./virsh";

/** The filter's id on the domain; it ends with the netdev it redirects. */
export const RELAY_PREFIX = "clab-relay-";
export const CHARDEVS = { out: "clab-relay-out", in: "clab-relay-in" } as const;
/** The relay process's program: relay.js beside this file once compiled (the packed package), else relay.ts through ts-node. */
function relayCommand(): string[] {
    if (__filename.endsWith(".js")) return [path.join(__dirname, "relay.js")];
    return [require.resolve("ts-node/dist/bin.js"), "--transpile-only", "--project", path.join(PROJECT_ROOT, "tsconfig.json"), path.join(__dirname, "relay.ts")];
}

/** Where a domain's relay keeps its sockets, its log and its readiness (its pid). */
export const relayDir = (domain: string, root = "/run/clusteros-lab/relays") => path.join(root, domain);

/** QMP commands that put the relay, listening in `dir`, between the guest and `netdev`. */
export function relayCommands(netdev: string, dir: string): object[] {
    const client = (id: string, sock: string) => ({ execute: "chardev-add", arguments: { id, backend: { type: "socket",
        data: { addr: { type: "unix", data: { path: path.join(dir, sock) } }, server: false } } } });
    return [
        client(CHARDEVS.out, "from-qemu.sock"),
        client(CHARDEVS.in, "to-qemu.sock"),
        // vnet_hdr_support: each packet comes with the length of the virtio-net header it
        // starts with (libvirt's virtio NICs carry one), and goes back the same way.
        { execute: "object-add", arguments: { "qom-type": "filter-redirector", id: `${RELAY_PREFIX}${netdev}`, netdev, queue: "rx",
            outdev: CHARDEVS.out, indev: CHARDEVS.in, vnet_hdr_support: true } },
    ];
}

/** QMP commands that take the relay out again, from the domain's objects and chardevs. */
export function unrelayCommands(objects: { name: string }[], chardevs: { label: string }[]): object[] {
    return [
        ...objects.filter((o) => o.name.startsWith(RELAY_PREFIX)).map((o) => ({ execute: "object-del", arguments: { id: o.name } })),
        ...chardevs.filter((c) => (Object.values(CHARDEVS) as string[]).includes(c.label)).map((c) => ({ execute: "chardev-remove", arguments: { id: c.label } })),
    ];
}

/** The uid and gid the domain's QEMU runs as (its sockets must be theirs), from /proc. */
function qemuOwner(domain: string): { uid: number; gid: number } {
    for (const pid of fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
        try {
            if (!fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(`guest=${domain},`)) continue;
            const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
            const id = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1]);
            return { uid: id("Uid"), gid: id("Gid") };
        } catch { /* gone meanwhile */ }
    }
    throw new CliError(`${domain}: its QEMU process was not found on this machine`);
}

function stopRelay(dir: string): void {
    const pid = Number(fs.existsSync(path.join(dir, "ready")) ? fs.readFileSync(path.join(dir, "ready"), "utf8").trim() : NaN);
    if (pid > 0) { try { process.kill(pid, "SIGTERM"); } catch { /* ended already */ } }
    fs.rmSync(dir, { recursive: true, force: true });
}

/** Starts the relay for these rules, listening in `dir`; resolves once it listens. */
async function startRelay(dir: string, rules: RelayRule[], owner: { uid: number; gid: number }): Promise<void> {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    const log = fs.openSync(path.join(dir, "relay.log"), "w");
    const child = spawn(process.execPath, [...relayCommand(), dir, JSON.stringify(rules)], { detached: true, stdio: ["ignore", log, log] });
    child.unref();
    fs.closeSync(log);
    for (let i = 0; i < 150 && !fs.existsSync(path.join(dir, "ready")); i++) {
        if (child.exitCode !== null) break;
        await new Promise((done) => setTimeout(done, 100));
    }
    if (!fs.existsSync(path.join(dir, "ready"))) {
        const said = fs.readFileSync(path.join(dir, "relay.log"), "utf8").trim();
        stopRelay(dir);
        throw new CliError(`the frame relay did not start${said ? `: ${said}` : ""}`);
    }
    // QEMU connects as its own user: the sockets are that user's.
    for (const sock of ["from-qemu.sock", "to-qemu.sock"]) fs.chownSync(path.join(dir, sock), owner.uid, owner.gid);
}

/** Removes a domain's relay, if it has one; whether it had. A domain that does not run has no filter left. */
export function unrelayNode(virsh: Virsh, domain: string, dir = relayDir(domain)): boolean {
    let had = false;
    if (qemuRuns(virsh, domain)) {
        const commands = unrelayCommands(qmp(virsh, domain, { execute: "qom-list", arguments: { path: "/objects" } }),
            qmp(virsh, domain, { execute: "query-chardev" }));
        for (const command of commands) qmp(virsh, domain, command);
        had = commands.length > 0;
    }
    if (fs.existsSync(dir)) { stopRelay(dir); had = true; }
    return had;
}

/** Puts a relay with these rules in the running domain's path; an earlier one is replaced. */
export async function relayNode(virsh: Virsh, domain: string, rules: RelayRule[], dir = relayDir(domain)): Promise<void> {
    unrelayNode(virsh, domain, dir);
    if (!qemuRuns(virsh, domain)) throw new CliError(`${domain} does not run: its frames cannot be relayed`);
    const xml = virsh("dumpxml", domain);
    if (!xml.ok) throw new CliError(`${domain}: ${xml.err}`);
    const [netdev] = netdevs(xml.out);
    if (!netdev) throw new CliError(`${domain} has no network interface`);
    await startRelay(dir, rules, qemuOwner(domain));
    try {
        for (const command of relayCommands(netdev, dir)) qmp(virsh, domain, command);
    } catch (e) {
        unrelayNode(virsh, domain, dir);
        throw e;
    }
}
