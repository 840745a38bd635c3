// What an earlier test run left when it was killed (SIGKILL runs no trap, and the libvirt
// daemons it started live on in their namespaces): its stacks with their domains, networks,
// pools, disks and seeds, the daemons and namespaces it started, its second host, its scratch
// directory, and what libvirt itself records of them. `make test` removes them (`lab sweep`,
// scripts/test.ts) before the e2e runs.
// Only what a test run made and named after itself is touched: stacks
// e2e|mh|k8s-<time>-<pid>[-b|-own|-agent], namespaces clab-e2e|mh|k8s|fail|h2-<pid>, scratch
// directories holding a pid file (the e2e scripts', make test's own), the user clab-user-<pid>
// with its home (whose Pulumi state holds the stack e2e-<time>-<pid>-user: libvirt's records of
// it go with sweepLibvirt), each only once the run's process <pid> is gone; and the libvirt
// objects of the stack <run>-repo of the e2e's ClusterOS-shaped repository, whose project is its
// own (REPOSITORY_PROJECT) and whose state is in the run's scratch directory. The user's stacks
// and domains, and a run still going, are never touched.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stateDir } from "../components/plan/paths";
import { programDir, projectName } from "../components/program-dir";
import { namespaces, removeNamespace } from "./daemon";
import { removeDeadKeyDirs } from "./key-dirs";
import { inPlace, labMode } from "./mode";
import { keepingSelectionSync } from "./selection";
import { alive } from "./processes";

/** The kind of test run and its pid, when `name` is a test run's stack or namespace. */
export function sweepOwner(name: string): { kind: string; pid: number } | undefined {
    const m = /^(e2e|mh|k8s)-\d+-(\d+)(-b|-own|-agent)?$/.exec(name) ?? /^clab-(e2e|mh|k8s|fail|h2)-(\d+)$/.exec(name);
    return m ? { kind: m[1], pid: Number(m[2]) } : undefined;
}

/** The project of the e2e's ClusterOS-shaped repository (tests/e2e/from-repository.test.ts). */
export const REPOSITORY_PROJECT = "clusteros";

/** Whether no process has this pid any more (a pid that is not one is never gone). */
const gone = (pid: number) => Number.isInteger(pid) && pid > 0 && !alive(pid);

export interface SweepOptions {
    /** The environment commands run with (PATH, the lab's state directory). */
    env?: NodeJS.ProcessEnv;
    /** Where the runs' scratch directories are (/tmp). */
    scratchRoot?: string;
    /** The root libvirt's files are under ("" for /). */
    libvirtRoot?: string;
    say?: (line: string) => void;
}

class Sweep {
    private readonly env: NodeJS.ProcessEnv;
    readonly say: (line: string) => void;
    private readonly project = projectName();
    /**
     * A test run's stack as its libvirt names begin, in this project or its repository's:
     * group 1 the run's kind, group 2 its pid.
     */
    private readonly runStack = `(?:${this.project}|${REPOSITORY_PROJECT})-(e2e|mh|k8s)-\\d+-(\\d+)(?:-b|-own|-agent|-user|-repo)?`;

    constructor(opts: SweepOptions) {
        this.env = opts.env ?? process.env;
        this.say = opts.say ?? ((line) => console.log(line));
    }

    run(argv: string[]): { ok: boolean; out: string } {
        const r = spawnSync(argv[0], argv.slice(1), { cwd: programDir(), encoding: "utf8", env: this.env, stdio: ["ignore", "pipe", "pipe"] });
        return { ok: r.status === 0, out: r.stdout ?? "" };
    }

    /** Destroyed where its run's daemon still answers, then its state, settings file, disks and seeds removed. */
    stack(s: string, kind: string, pid: number): void {
        const locks = path.join(stateDir(this.env), "backend", ".pulumi", "locks", "organization", this.project, s);
        for (const f of fs.existsSync(locks) ? fs.readdirSync(locks).filter((f) => f.endsWith(".json")) : []) fs.rmSync(path.join(locks, f), { force: true });
        const ns = `clab-${kind}-${pid}`;
        const destroy = ["pulumi", "destroy", "--stack", s, "--yes", "--skip-preview"];
        const where = namespaces(this.env).includes(ns) ? ns : labMode(this.env).netns;
        const env = { ...this.env, CLUSTEROS_LAB_NETNS: where };
        const [program, ...args] = inPlace(destroy, where);
        const r = spawnSync(program, args, { cwd: programDir(), env, stdio: "ignore" });
        if (r.status !== 0) this.say(`sweep: pulumi destroy of ${s} failed; its state is removed all the same`);
        keepingSelectionSync(() => this.run(["pulumi", "stack", "rm", s, "--yes", "--force"]), programDir(), this.env);
        for (const p of [path.join(programDir(), `Pulumi.${s}.yaml`), `/var/lib/libvirt/images/${this.project}-${s}`,
            path.join(stateDir(this.env), "seeds", `${this.project}-${s}`)]) fs.rmSync(p, { recursive: true, force: true });
        this.say(`sweep: removed stack ${s}, left by test run ${pid}`);
    }

    /** Every process in it stopped (its libvirt daemons and their guests), then it goes. */
    namespace(ns: string): void {
        removeNamespace(ns, this.env);
        this.say(`sweep: removed namespace ${ns} and what ran in it`);
    }

    /** A normal-user run's account (tests/e2e/normal-user.test.ts): its processes stopped, then the account and its home. */
    user(name: string): void {
        this.run(["pkill", "-9", "-u", name]);
        this.run(["userdel", "-r", name]);
        this.say(`sweep: removed user ${name} and its home, left by test run ${name.replace(/^clab-user-/, "")}`);
    }

    /**
     * libvirt's own records of a gone run's objects, which outlive its daemon and its stack (a
     * stack removed by hand leaves nothing for stack() to start from), and a daemon started later
     * would load: domain, network and pool definitions under /etc/libvirt named after a test
     * run's stack (its provisioning network, -netboot, among them), their autostart links and UEFI
     * variable stores, and the run's disks. Undefined through a daemon that answers (never under
     * its feet), else removed as files.
     */
    libvirt(root: string): void {
        const etc = path.join(root, "/etc/libvirt");
        const images = path.join(root, "/var/lib/libvirt/images");
        const nvram = path.join(root, "/var/lib/libvirt/qemu/nvram");
        const run = path.join(root, "/run/libvirt");
        // Asked only when a daemon runs: virsh would socket-activate a system one, which would
        // load the very definitions this removes.
        const daemon = this.run(["pgrep", "-x", "libvirtd"]).ok || this.run(["pgrep", "-x", "virtqemud"]).ok;
        const virshUp = daemon && this.run(["virsh", "-c", "qemu:///system", "version"]).ok;
        const virsh = (...args: string[]) => this.run(["virsh", "-c", "qemu:///system", ...args]);
        const named = new RegExp(`^${this.runStack}(-node-\\d+|-net|-netboot|-pool)$`);
        for (const [dir, kind] of [[path.join(etc, "qemu"), "domain"], [path.join(etc, "qemu", "networks"), "net"], [path.join(etc, "storage"), "pool"]] as const) {
            for (const f of fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".xml")) : []) {
                const name = f.replace(/\.xml$/, "");
                const m = named.exec(name);
                if (!m || !gone(Number(m[2]))) continue;
                if (virshUp) {
                    if (kind === "net") { virsh("net-destroy", name); virsh("net-undefine", name); }
                    if (kind === "pool") { virsh("pool-destroy", name); virsh("pool-undefine", name); }
                    if (kind === "domain") { virsh("destroy", name); virsh("undefine", "--nvram", "--snapshots-metadata", "--managed-save", name); }
                }
                fs.rmSync(path.join(dir, f), { force: true });
                fs.rmSync(path.join(dir, "autostart", f), { force: true });
                if (kind === "domain") fs.rmSync(path.join(nvram, `${name}_VARS.fd`), { force: true });
                this.say(`sweep: removed libvirt ${kind} ${name}, left by test run ${m[2]}`);
            }
        }
        // What a daemon kept of them while they ran (status, pid files, a network's ports): a
        // killed daemon leaves it, and so does a network's destroy in the lab's namespace.
        for (const dir of [path.join(run, "qemu"), path.join(run, "network")]) {
            for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
                const m = named.exec(f.replace(/\.(xml|pid)$/, ""));
                if (!m || !gone(Number(m[2]))) continue;
                fs.rmSync(path.join(dir, f), { recursive: true, force: true });
                this.say(`sweep: removed ${path.join(dir, f)}, left by test run ${m[2]}`);
            }
        }
        const disks = new RegExp(`^${this.runStack}$`);
        for (const d of fs.existsSync(images) ? fs.readdirSync(images) : []) {
            const m = disks.exec(d);
            if (!m || !gone(Number(m[2])) || !fs.statSync(path.join(images, d)).isDirectory()) continue;
            fs.rmSync(path.join(images, d), { recursive: true, force: true });
            this.say(`sweep: removed ${path.join(images, d)}`);
        }
    }
}

/** Everything a killed test run left, in that order; libvirt's records last, once their stacks and daemons are gone. */
export function sweepLeftovers(opts: SweepOptions = {}): void {
    const s = new Sweep(opts);
    const listed = s.run(["pulumi", "stack", "ls", "--json"]);
    const stacks = listed.ok ? (JSON.parse(listed.out || "[]") as { name: string }[]).map((x) => x.name) : [];
    for (const name of stacks) {
        const owner = sweepOwner(name);
        if (owner && gone(owner.pid)) s.stack(name, owner.kind, owner.pid);
    }
    for (const ns of namespaces(opts.env ?? process.env)) {
        const owner = sweepOwner(ns);
        if (owner && gone(owner.pid)) s.namespace(ns);
    }
    for (const line of s.run(["getent", "passwd"]).out.split("\n")) {
        const user = line.split(":")[0];
        if (/^clab-user-\d+$/.test(user) && gone(Number(user.slice("clab-user-".length)))) s.user(user);
    }
    const scratchRoot = opts.scratchRoot ?? "/tmp";
    for (const d of fs.readdirSync(scratchRoot).filter((d) => /^clusteros-(e2e|mh|k8s|test)\./.test(d))) {
        const pidFile = path.join(scratchRoot, d, "pid");
        if (!fs.existsSync(pidFile) || !gone(Number(fs.readFileSync(pidFile, "utf8").trim()))) continue;
        fs.rmSync(path.join(scratchRoot, d), { recursive: true, force: true });
        s.say(`sweep: removed ${path.join(scratchRoot, d)}`);
    }
    for (const d of removeDeadKeyDirs(scratchRoot)) s.say(`sweep: removed ${d}, a killed process's SSH key`);
    s.libvirt(opts.libvirtRoot ?? (opts.env ?? process.env).SWEEP_ROOT ?? "");
}

/** Only libvirt's records (for its own test). */
export function sweepLibvirt(root: string, opts: SweepOptions = {}): void {
    new Sweep(opts).libvirt(root);
}
