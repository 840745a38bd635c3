// Where make test's end-to-end CPU goes, by phase. Every 15 s the runner (scripts/test.ts)
// reads the machine's busy time (/proc/stat) and each process's CPU (/proc/PID/stat), QEMU's
// named by the libvirt domain it runs; the e2e scripts append each phase's start to
// E2E_PHASES (tests/e2e/lib.sh). At the end, per phase: its wall time, the cores it kept busy,
// QEMU's share by stack, and the host's own processes (Pulumi, Node, SSH: the rest of the busy
// time, short-lived processes included). Under TCG nearly all of it is QEMU, so this is the map
// for cutting CI time. In-process (a timer, no process of its own): a killed run leaves nothing.
import * as fs from "node:fs";

/** Linux's USER_HZ: /proc counts CPU time in these ticks. */
const TICKS_PER_SECOND = 100;

export interface Sample {
    /** Seconds since the epoch. */
    at: number;
    /** Busy ticks of every CPU together (/proc/stat: all but idle and iowait). */
    busy: number;
    /** pid -> [label, ticks of CPU so far]. */
    procs: Map<string, [string, number]>;
}

/** The command and CPU ticks (user + system) of a /proc/PID/stat line; the command may hold spaces and parentheses. */
export function parseStat(text: string): { comm: string; ticks: number } | undefined {
    const open = text.indexOf("(");
    const close = text.lastIndexOf(")");
    if (open < 0 || close < open) return undefined;
    const fields = text.slice(close + 2).trim().split(/\s+/);
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? { comm: text.slice(open + 1, close), ticks } : undefined;
}

/** Busy ticks from /proc/stat's first line (user nice system idle iowait irq softirq steal …). */
export function parseBusy(procStat: string): number {
    const f = procStat.split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    return f[0] + f[1] + f[2] + f[5] + f[6] + (f[7] || 0);
}

/** A process's label: QEMU by the guest it runs (its -name guest=…), anything else by its command. */
export function labelOf(comm: string, cmdline: string[]): string {
    if (!comm.startsWith("qemu-system")) return comm;
    const guest = cmdline.find((a) => a.startsWith("guest="));
    return guest ? `qemu ${guest.slice("guest=".length).split(",")[0]}` : "qemu";
}

/**
 * What a QEMU label counts toward: the stack its domain belongs to, without the lab's prefix,
 * the test run's id and the node number ("clusteros-lab-e2e-1796668529-19329-agent-node-3":
 * "qemu agent"; the run's main stack: "qemu main"); QEMU without a domain (the installer's
 * machines, Packer): "qemu, no domain".
 */
export function qemuCategory(label: string): string {
    if (label === "qemu") return "qemu, no domain";
    const role = label.slice("qemu ".length).replace(/^clusteros-(lab-)?/, "").replace(/^[a-z0-9]+-\d+-\d+-?/, "")
        .replace(/-?node-\d+$/, "");
    return `qemu ${role || "main"}`;
}

/** The machine now, from /proc. */
export function readSample(proc = "/proc", now = Date.now() / 1000): Sample {
    const procs = new Map<string, [string, number]>();
    for (const pid of fs.readdirSync(proc).filter((n) => /^\d+$/.test(n))) {
        try {
            const stat = parseStat(fs.readFileSync(`${proc}/${pid}/stat`, "utf8"));
            if (!stat || stat.ticks === 0) continue;
            const cmdline = stat.comm.startsWith("qemu-system") ? fs.readFileSync(`${proc}/${pid}/cmdline`, "utf8").split("\0") : [];
            procs.set(pid, [labelOf(stat.comm, cmdline), stat.ticks]);
        } catch {
            // ended while read
        }
    }
    return { at: now, busy: parseBusy(fs.readFileSync(`${proc}/stat`, "utf8")), procs };
}

/** One phase's account: busy ticks, and QEMU's ticks by category. */
interface Account { name: string; start: number; end: number; busy: number; qemu: Map<string, number> }

/** The phases so far, from E2E_PHASES ("<epoch>\t<name>" per line). */
export function readPhases(file: string): { start: number; name: string }[] {
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    return text.split("\n").filter(Boolean).map((l) => {
        const tab = l.indexOf("\t");
        return { start: Number(l.slice(0, tab)), name: l.slice(tab + 1) };
    });
}

export class CpuWatch {
    private last?: Sample;
    private readonly accounts: Account[] = [];
    private timer?: NodeJS.Timeout;
    private everyMs = 15_000;

    constructor(private readonly phasesFile: string, private readonly sample: () => Sample = () => readSample()) {}

    start(everyMs = this.everyMs): void {
        this.everyMs = everyMs;
        this.tick();
        this.timer = setInterval(() => this.tick(), everyMs);
        this.timer.unref();
    }

    /**
     * One reading. What was used since the last one is shared among the phases that ran in
     * between, by how long each ran in it (a phase shorter than a reading still gets its
     * share). A failed reading is skipped: the next one covers the gap.
     */
    tick(): void {
        try {
            const now = this.sample();
            const phases = readPhases(this.phasesFile);
            const last = this.last;
            this.last = now;
            if (!last) return;
            const used = new Map<string, number>();
            for (const [pid, [label, ticks]] of now.procs) {
                const before = last.procs.get(pid);
                if (!label.startsWith("qemu") || !before || before[0] !== label || ticks < before[1]) continue;
                const category = qemuCategory(label);
                used.set(category, (used.get(category) ?? 0) + ticks - before[1]);
            }
            const busy = Math.max(0, now.busy - last.busy);
            for (const { index, share } of shares(phases.map((p) => p.start), last.at, now.at)) {
                const phase = phases[index - 1] ?? { start: last.at, name: "before the first phase" };
                const account = (this.accounts[index] ??= { name: phase.name, start: phase.start, end: now.at, busy: 0, qemu: new Map() });
                account.end = now.at;
                account.busy += busy * share;
                for (const [category, ticks] of used) account.qemu.set(category, (account.qemu.get(category) ?? 0) + ticks * share);
            }
        } catch {
            // /proc unreadable for a moment
        }
    }

    /** Stops, and the report's lines (never throws: a report that cannot be made says so). */
    stop(cores = 2): string[] {
        if (this.timer) clearInterval(this.timer);
        this.tick();
        try {
            return report(this.accounts.filter(Boolean), cores, this.everyMs / 1000);
        } catch (e) {
            return [`=== CPU by phase: not measured (${String(e)})`];
        }
    }
}

/**
 * How the interval [from, to] divides among phases that start at `starts` (ascending; index 0
 * is the time before the first, index i the i-th phase): each overlapping phase's share of it.
 */
export function shares(starts: number[], from: number, to: number): { index: number; share: number }[] {
    const length = to - from;
    const out: { index: number; share: number }[] = [];
    for (let i = 0; i <= starts.length; i++) {
        const begin = i === 0 ? -Infinity : starts[i - 1];
        const end = i < starts.length ? starts[i] : Infinity;
        const overlap = Math.min(to, end) - Math.max(from, begin);
        if (length <= 0 ? from >= begin && from < end : overlap > 0) out.push({ index: i, share: length <= 0 ? 1 : overlap / length });
    }
    return out;
}

const seconds = (ticks: number) => ticks / TICKS_PER_SECOND;

/** The report: a line per phase, then the whole run. */
export function report(accounts: Account[], cores: number, everySeconds: number): string[] {
    if (accounts.length === 0) return [];
    const lines = [`=== CPU by phase (/proc every ${everySeconds} s; busy: core-seconds of the machine's ${cores}; QEMU by stack; host: the rest)`];
    let wall = 0, busy = 0, qemu = 0;
    accounts.forEach((a, i) => {
        const end = accounts[i + 1]?.start ?? a.end;
        const w = Math.max(1, Math.round(end - a.start));
        const b = seconds(a.busy);
        const byStack = [...a.qemu.entries()].map(([k, t]) => [k, seconds(t)] as const).sort((x, y) => y[1] - x[1]);
        const q = byStack.reduce((s, [, t]) => s + t, 0);
        wall += w; busy += b; qemu += q;
        const parts = [...byStack.filter(([, t]) => t >= 1).map(([k, t]) => `${k} ${t.toFixed(0)}`), `host ${Math.max(0, b - q).toFixed(0)}`];
        lines.push(`  ${a.name.slice(0, 60).padEnd(60)} ${String(w).padStart(5)} s  busy ${b.toFixed(0).padStart(5)} (${(b / w).toFixed(2)} cores): ${parts.join(", ")}`);
    });
    lines.push(`  ${"all".padEnd(60)} ${String(wall).padStart(5)} s  busy ${busy.toFixed(0).padStart(5)} (${(busy / wall).toFixed(2)} cores), QEMU ${busy ? Math.round((100 * qemu) / busy) : 0} % of it`);
    return lines;
}
