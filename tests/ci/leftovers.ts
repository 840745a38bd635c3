// What a test run can leave on this machine, listed by kind, so that a run killed with SIGKILL
// can be compared with the machine before it (tests/ci/killed-run.ts). It looks at the machine
// itself (files, processes, namespaces), not at the names the sweep knows (lab/sweep.ts): the
// check must not share the sweep's blind spots.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stateDir } from "../../components/plan/paths";

export type Snapshot = Record<string, string[]>;

/** Entries of dir (none when it does not exist), filtered. */
function entries(dir: string, keep: (name: string) => boolean = () => true): string[] {
    try {
        return fs.readdirSync(dir).filter(keep).map((name) => path.join(dir, name));
    } catch {
        return [];
    }
}

/** "pid:start comm" of every process with a command line (kernel threads have none), but this one. */
function processes(): string[] {
    return entries("/proc", (n) => /^\d+$/.test(n) && Number(n) !== process.pid).flatMap((dir) => {
        try {
            if (fs.readFileSync(path.join(dir, "cmdline")).length === 0) return [];
            const stat = fs.readFileSync(path.join(dir, "stat"), "utf8");
            // comm is in parentheses and may hold spaces; the fields after it are space-separated.
            const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
            const start = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
            return [`${path.basename(dir)}:${start} ${comm}`];
        } catch {
            return []; // ended while read
        }
    });
}

const lines = (argv: string[]) => (spawnSync(argv[0], argv.slice(1), { encoding: "utf8" }).stdout ?? "")
    .split("\n").map((l) => l.trim().split(/\s+/)[0]).filter(Boolean);

/**
 * What libvirt's daemon keeps in /run/libvirt/network for itself, whatever runs: the networks it
 * autostarted, and its nwfilter driver's DHCP leases (made by the first daemon a fresh machine
 * starts: the first CI run on a new machine saw it appear).
 */
const DAEMON_WIDE = new Set(["autostarted", "nwfilter.leases"]);

/**
 * The machine now. Kinds: namespaces; processes; Pulumi stacks of the lab's file backend;
 * libvirt's domain, network and pool definitions and the domains' disks and UEFI variables;
 * the lab's seeds; test runs' scratch directories and SSH key directories in /tmp; users.
 * Left out: /tmp/clusteros-lab-ssh-UID (the shared SSH connections' directory, kept like a
 * cache), logs, and QEMU's per-domain runtime directories under /var/lib/libvirt/qemu, whose
 * names libvirt cuts short (domain-ID-NAME, 20 characters of the name): no run is named in them.
 */
export function snapshot(env: NodeJS.ProcessEnv = process.env): Snapshot {
    const backend = path.join(stateDir(env), "backend", ".pulumi", "stacks");
    const xml = (n: string) => n.endsWith(".xml");
    return {
        namespaces: lines(["ip", "netns", "list"]),
        processes: processes(),
        stacks: entries(backend).flatMap((project) => entries(project, (n) => n.endsWith(".json"))),
        libvirt: ["/etc/libvirt/qemu", "/etc/libvirt/qemu/networks", "/etc/libvirt/qemu/networks/autostart", "/etc/libvirt/storage",
            "/etc/libvirt/storage/autostart"].flatMap((d) => entries(d, xml))
            .concat(entries("/run/libvirt/qemu", (n) => /\.(xml|pid)$/.test(n)), entries("/run/libvirt/network", (n) => !DAEMON_WIDE.has(n)),
                entries("/var/lib/libvirt/images"), entries("/var/lib/libvirt/qemu/nvram")),
        seeds: entries(path.join(stateDir(env), "seeds")),
        scratch: entries("/tmp", (n) => /^(clusteros-|clab-)/.test(n) && !/^clusteros-lab-ssh-\d+$/.test(n)),
        users: fs.readFileSync("/etc/passwd", "utf8").split("\n").map((l) => l.split(":")[0]).filter(Boolean),
    };
}

/** What `after` has that `before` had not, by kind (kinds with nothing new left out). */
export function added(before: Snapshot, after: Snapshot): Snapshot {
    return Object.fromEntries(Object.entries(after).map(([kind, items]) => {
        const had = new Set(before[kind] ?? []);
        return [kind, items.filter((i) => !had.has(i))] as const;
    }).filter(([, items]) => items.length > 0));
}

/** Of `left`, what `now` still has (a process counts by pid and start time: a reused pid is another process). */
export function remaining(left: Snapshot, now: Snapshot): Snapshot {
    return Object.fromEntries(Object.entries(left).map(([kind, items]) => {
        const has = new Set(now[kind] ?? []);
        return [kind, items.filter((i) => has.has(i))] as const;
    }).filter(([, items]) => items.length > 0));
}

/** "2 namespaces (a, b); 1 process (…)" — for a report line. */
export function describe(s: Snapshot): string {
    const parts = Object.entries(s).map(([kind, items]) => `${items.length} ${kind} (${items.join(", ")})`);
    return parts.length > 0 ? parts.join("; ") : "nothing";
}
