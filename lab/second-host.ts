// A second libvirt host on this machine, for the tests' multi-host phases (`lab second-host`;
// tests/e2e/e2e.sh uses it).
//
// What stands for a host: a network namespace of its own, and a mount namespace in which
// libvirt's configuration, state, run and log directories (/etc/libvirt, /var/lib/libvirt,
// /run/libvirt, /var/log/libvirt, /var/cache/libvirt) are private directories, so its
// virtlogd and libvirtd share nothing with the first host's: not the socket, not the domain
// and network definitions, not the pool's files. Clients reach it through its own URI
// (qemu+unix with the socket's path), as they would reach a real host through qemu+ssh. A
// veth pair between the two hosts' network namespaces plays the LAN.
//
// What it does not cover: a separate kernel, CPU and disk (both hosts share this machine's),
// SSH transport and its keys, a LAN with other traffic, MTU or latency.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { shellQuote } from "../components/exec/spawn";
import { removeNamespace, stopPidFile } from "./daemon";
import { LabError } from "./errors";
import { alive, sleepSync } from "./processes";

export interface SecondHost {
    /** Its network namespace. */
    ns: string;
    /** Its private directories (etc, run, lib, log, cache) and daemons' pid files. */
    dir: string;
    /** Its daemon's URI. */
    uri: string;
    /** The first host's network namespace ("": the one this runs in). */
    firstNs: string;
    /** The LAN's addresses: the first host's end, the second's. */
    lanA: string;
    lanB: string;
}

const STATE = "host.json";
const run = (argv: string[]) => spawnSync(argv[0], argv.slice(1), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Runs a command that must work; its error output in the error. */
function must(argv: string[]): void {
    const r = run(argv);
    if (r.status !== 0) throw new LabError(`the second host: ${argv.join(" ")} failed: ${(r.stderr ?? "").trim()}`);
}

/** ARGV in a network namespace ("": this one). */
const inNs = (ns: string, argv: string[]) => (ns ? ["ip", "netns", "exec", ns, ...argv] : argv);

/** The second host a start left in `dir`. */
export function loadSecondHost(dir: string): SecondHost {
    try {
        return JSON.parse(fs.readFileSync(path.join(dir, STATE), "utf8")) as SecondHost;
    } catch {
        throw new LabError(`${dir} holds no second host (lab second-host start makes one)`);
    }
}

function waitAnswer(h: SecondHost): void {
    for (let i = 0; i < 100; i++) {
        if (run(["virsh", "-c", h.uri, "version"]).status === 0) return;
        sleepSync(300);
    }
    throw new LabError(`the second host's libvirtd did not answer at ${h.uri}`);
}

/** The daemons, in a new mount namespace over the private directories; they keep it alive. */
function startDaemons(h: SecondHost): void {
    const script = 'for d in etc:/etc/libvirt run:/run/libvirt lib:/var/lib/libvirt log:/var/log/libvirt cache:/var/cache/libvirt; do '
        + 'mount --bind "$1/${d%%:*}" "${d#*:}"; done; virtlogd -d -p "$1/virtlogd.pid"; libvirtd -d -p "$1/libvirtd.pid"';
    const r = spawnSync("ip", ["netns", "exec", h.ns, "unshare", "--mount", "--propagation", "private", "bash", "-euc", script, "_", h.dir],
        { stdio: ["ignore", "ignore", "inherit"] });
    if (r.status !== 0) throw new LabError("the second host's daemons did not start");
    waitAnswer(h);
}

/**
 * Starts a second host: namespace `ns`, directories under `dir`, and a LAN (`lanCidr`, a /24:
 * .1 the first host's end, .2 its own) to the first host's namespace `firstNs`.
 */
export function startSecondHost(ns: string, dir: string, firstNs: string, lanCidr: string): SecondHost {
    const base = lanCidr.replace(/\.0\/24$/, "");
    if (base === lanCidr) throw new LabError(`the second host's LAN ${lanCidr} is not a /24 ending in .0`);
    const h: SecondHost = { ns, dir: path.resolve(dir), uri: "", firstNs, lanA: `${base}.1`, lanB: `${base}.2` };
    h.uri = `qemu+unix:///system?socket=${h.dir}/run/libvirt-sock`;
    // (log/qemu: where the serial logs go; a real host has it from the libvirt packages)
    for (const d of ["etc", "run", "lib", "log/qemu", "cache"]) fs.mkdirSync(path.join(h.dir, d), { recursive: true });
    fs.writeFileSync(path.join(h.dir, STATE), JSON.stringify(h));
    // The daemons' settings, without the first host's definitions (qemu/, storage/, ...).
    for (const f of fs.readdirSync("/etc/libvirt").filter((n) => n.endsWith(".conf"))) fs.copyFileSync(path.join("/etc/libvirt", f), path.join(h.dir, "etc", f));
    must(["ip", "netns", "add", ns]);
    must(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"]);
    const [a, b] = [`h2lan-a${process.pid}`, `h2lan-b${process.pid}`];
    must(["ip", "link", "add", a, "type", "veth", "peer", "name", b, "netns", ns]);
    // The first host's end goes where the first host's daemon runs.
    if (firstNs) must(["ip", "link", "set", a, "netns", firstNs]);
    must(inNs(firstNs, ["ip", "addr", "add", `${h.lanA}/24`, "dev", a]));
    must(inNs(firstNs, ["ip", "link", "set", a, "up"]));
    must(inNs(ns, ["ip", "addr", "add", `${h.lanB}/24`, "dev", b]));
    must(inNs(ns, ["ip", "link", "set", b, "up"]));
    // libvirt turns forwarding on for its routed networks; the LAN end must forward too.
    must(inNs(ns, ["sysctl", "-qw", "net.ipv4.ip_forward=1"]));
    startDaemons(h);
    return h;
}

/** Stops the second host's libvirtd only: its guests keep running, as on a host whose daemon died. */
export function stopSecondHostDaemon(dir: string): void {
    stopPidFile(path.join(loadSecondHost(dir).dir, "libvirtd.pid"));
}

/** Starts its libvirtd again, in the same mount namespace (virtlogd's). */
export function startSecondHostDaemon(dir: string): void {
    const h = loadSecondHost(dir);
    const virtlogd = Number(fs.readFileSync(path.join(h.dir, "virtlogd.pid"), "utf8").trim());
    if (!alive(virtlogd)) throw new LabError(`the second host's virtlogd (which holds its mount namespace) no longer runs: start the host again`);
    must(["nsenter", "-t", String(virtlogd), "-m", "-n", "libvirtd", "-d", "-p", path.join(h.dir, "libvirtd.pid")]);
    waitAnswer(h);
}

/** Removes the second host: its daemons, every process left in its namespace (guests, dnsmasq), the namespace with the LAN, its directories. */
export function removeSecondHost(dir: string): void {
    const h = loadSecondHost(dir);
    stopPidFile(path.join(h.dir, "libvirtd.pid"));
    stopPidFile(path.join(h.dir, "virtlogd.pid"));
    removeNamespace(h.ns);
    fs.rmSync(h.dir, { recursive: true, force: true });
}

/** The shell assignments e2e.sh takes a started host's facts from. */
export function shellFacts(h: SecondHost): string {
    return [["H2_NS", h.ns], ["H2_DIR", h.dir], ["H2_URI", h.uri], ["H2_FIRST_NS", h.firstNs], ["H2_LAN_A", h.lanA], ["H2_LAN_B", h.lanB]]
        .map(([k, v]) => `${k}=${shellQuote(v)}`).join("\n") + "\n";
}

/** `lab second-host ACTION --dir DIR [...]`: its exit code. */
export function secondHostCommand(action: string, o: { dir: string; netns?: string; firstNetns?: string; lan?: string }): number {
    switch (action) {
        case "start": {
            if (!o.netns || !o.lan) throw new LabError("lab second-host start needs --netns NAME and --lan CIDR (a /24)");
            process.stdout.write(shellFacts(startSecondHost(o.netns, o.dir, o.firstNetns ?? "", o.lan)));
            return 0;
        }
        case "stop": removeSecondHost(o.dir); return 0;
        case "daemon-stop": stopSecondHostDaemon(o.dir); return 0;
        case "daemon-start": startSecondHostDaemon(o.dir); return 0;
        default: throw new LabError(`lab second-host: no action '${action}': use start, stop, daemon-stop or daemon-start`);
    }
}
