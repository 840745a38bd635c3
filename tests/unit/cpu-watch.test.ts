import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CpuWatch, labelOf, parseBusy, parseStat, qemuCategory, readSample, Sample, shares } from "../../scripts/cpu-watch";

const dirs: string[] = [];
const tmp = () => { const d = fs.mkdtempSync(path.join(os.tmpdir(), "cpu-watch-")); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

/** A /proc/PID/stat line: utime and stime are the 14th and 15th fields. */
const statLine = (pid: number, comm: string, utime: number, stime: number) =>
    `${pid} (${comm}) S 1 ${pid} ${pid} 0 -1 4194560 100 0 0 0 ${utime} ${stime} 0 0 20 0 3 0 100 1000 100\n`;

describe("reading /proc", () => {
    it("takes a thread's name with spaces and parentheses whole, and sums user and system ticks", () => {
        expect(parseStat(statLine(7, "CPU 0/TCG", 120, 30))).toEqual({ comm: "CPU 0/TCG", ticks: 150 });
        expect(parseStat(statLine(8, "a (b) c", 1, 2))).toEqual({ comm: "a (b) c", ticks: 3 });
        expect(parseStat("garbage")).toBeUndefined();
    });

    it("counts busy time as everything but idle and iowait", () => {
        // user nice system idle iowait irq softirq steal
        expect(parseBusy("cpu  100 5 50 9000 40 3 2 1 0 0\ncpu0 1 2 3\n")).toBe(161);
    });

    it("names QEMU by the guest it runs, and other processes by their command", () => {
        expect(labelOf("qemu-system-x86", ["qemu-system-x86_64", "-name", "guest=clusteros-lab-ci-node-2,debug-threads=on"]))
            .toBe("qemu clusteros-lab-ci-node-2");
        expect(labelOf("qemu-system-x86", ["qemu-system-x86_64", "-m", "512"])).toBe("qemu");
        expect(labelOf("pulumi", ["pulumi", "up"])).toBe("pulumi");
    });

    it("reads a /proc tree: each process's label and ticks, and the machine's busy ticks", () => {
        const proc = tmp();
        const put = (pid: number, stat: string, cmdline: string[]) => {
            fs.mkdirSync(path.join(proc, String(pid)));
            fs.writeFileSync(path.join(proc, String(pid), "stat"), stat);
            fs.writeFileSync(path.join(proc, String(pid), "cmdline"), cmdline.join("\0"));
        };
        put(10, statLine(10, "qemu-system-x86", 500, 100), ["qemu-system-x86_64", "-name", "guest=clusteros-lab-ci-node-1,debug-threads=on"]);
        put(11, statLine(11, "bash", 0, 0), ["bash"]);
        put(12, statLine(12, "pulumi", 30, 10), ["pulumi"]);
        fs.writeFileSync(path.join(proc, "stat"), "cpu  1000 0 200 5000 0 0 0 0\n");
        const s = readSample(proc, 42);
        expect(s.at).toBe(42);
        expect(s.busy).toBe(1200);
        expect([...s.procs.entries()].sort()).toEqual([["10", ["qemu clusteros-lab-ci-node-1", 600]], ["12", ["pulumi", 40]]]);
    });
});

describe("QEMU by stack", () => {
    it.each([
        ["qemu clusteros-lab-e2e-1796668529-19329-node-3", "qemu main"],
        ["qemu clusteros-lab-e2e-1796668529-19329-agent-node-1", "qemu agent"],
        ["qemu clusteros-lab-e2e-1796668529-19329-b-node-1", "qemu b"],
        ["qemu clusteros-e2e-1796668529-19329-repo-node-1", "qemu repo"],
        ["qemu clusteros-lab-k8s-1796671234-11314-node-2", "qemu main"],
        ["qemu clusteros-lab-dev-node-1", "qemu dev"],
        ["qemu", "qemu, no domain"],
    ])("%s counts toward %s", (label, category) => {
        expect(qemuCategory(label)).toBe(category);
    });
});

describe("CpuWatch", () => {
    /** Readings fed one by one: each tick takes the next. */
    const fed = (samples: Sample[]) => () => { const s = samples.shift(); if (!s) throw new Error("no more readings"); return s; };
    const sample = (at: number, busy: number, procs: [string, string, number][]) =>
        ({ at, busy, procs: new Map(procs.map(([pid, label, ticks]) => [pid, [label, ticks] as [string, number]])) });
    const main = "qemu clusteros-lab-e2e-1-2-node-1";
    const agent = "qemu clusteros-lab-e2e-1-2-agent-node-1";

    it("shares a reading's interval among the phases that ran in it, by how long each ran", () => {
        expect(shares([10, 20], 5, 25)).toEqual([{ index: 0, share: 0.25 }, { index: 1, share: 0.5 }, { index: 2, share: 0.25 }]);
        expect(shares([10], 12, 18)).toEqual([{ index: 1, share: 1 }]);
        expect(shares([], 3, 3)).toEqual([{ index: 0, share: 1 }]);
    });

    it("gives each phase what was used while it ran: QEMU by stack, the rest to the host", () => {
        const phases = path.join(tmp(), "phases.tsv");
        const watch = new CpuWatch(phases, fed([
            sample(1000, 0, [["1", main, 0]]),
            sample(1015, 2000, [["1", main, 1500]]), // all before any phase: 20 s busy, 15 s of it main's
            sample(1030, 4000, [["1", main, 2500], ["2", agent, 100]]), // 1/3 before "up", 2/3 in it; agent's first reading
            sample(1045, 7000, [["1", main, 2600], ["2", agent, 2100]]), // 2/3 in "up", 1/3 in "agent"
        ]));
        watch.tick();
        watch.tick();
        fs.writeFileSync(phases, "1020\tup\n");
        watch.tick();
        fs.appendFileSync(phases, "1040\tagent: 3 nodes\n");
        watch.tick();
        const lines = watch.stop(2);
        expect(lines[0]).toMatch(/^=== CPU by phase \(\/proc every 15 s;/);
        expect(lines[1]).toMatch(/^ {2}before the first phase .* 20 s {2}busy +27 \(1\.33 cores\): qemu main 18, host 8$/);
        expect(lines[2]).toMatch(/^ {2}up .* 20 s {2}busy +33 \(1\.67 cores\): qemu agent 13, qemu main 7, host 13$/);
        expect(lines[3]).toMatch(/^ {2}agent: 3 nodes .* 5 s {2}busy +10 \(2\.00 cores\): qemu agent 7, host 3$/);
        expect(lines[4]).toMatch(/^ {2}all .* 45 s {2}busy +70 \(1\.56 cores\), QEMU 66 % of it$/);
    });

    it("skips a reading that fails, and a process whose pid now runs something else", () => {
        const phases = path.join(tmp(), "phases.tsv");
        fs.writeFileSync(phases, "1000\tsetup\n");
        const readings = [
            sample(1000, 0, [["1", main, 100]]),
            sample(1015, 500, [["1", "qemu clusteros-lab-e2e-1-2-b-node-1", 400]]),
        ];
        let calls = 0;
        const watch = new CpuWatch(phases, () => { calls++; if (calls === 2) throw new Error("EACCES"); return fed(readings)(); });
        watch.tick();
        watch.tick(); // fails: skipped
        watch.tick();
        const lines = watch.stop(2);
        expect(lines[1]).toMatch(/setup .* busy +5 .*: host 5$/);
    });

    it("reports nothing when it never measured an interval", () => {
        const watch = new CpuWatch(path.join(tmp(), "none.tsv"), fed([sample(1, 0, [])]));
        expect(watch.stop(2)).toEqual([]);
    });
});
