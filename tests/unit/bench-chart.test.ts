// The bench's chart (bench/chart.ts): every run of bench/results as a point of each figure,
// drawn by gnuplot into one SVG.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { chartData, readRuns, Run, writeChart } from "../../bench/chart";

const machine = { cpus: 2, cpuModel: "x", memGiB: 24, kernel: "6.1", domainType: "qemu (TCG)" };
// Two runs: the first measured P2 only (no restore), the second everything.
const runs: Run[] = [
    { when: "2026-11-26T10:00:00.000Z", machine, results: { up_n1_warm: "120.0", up_n3: "204.0", boot_node_systemd: "158.0", boot_bare_systemd: "65.0" } },
    { when: "2026-12-02T10:00:00.000Z", machine, results: { up_n1_warm: "100.0", up_n3: "153.4", boot_node_systemd: "71.0", boot_bare_systemd: "22.9", restore_total: "10.0" } },
];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-chart-"));
// Written out of order, as file names need not sort by time: read back oldest first.
fs.writeFileSync(path.join(dir, "b.json"), JSON.stringify(runs[0]));
fs.writeFileSync(path.join(dir, "a.json"), JSON.stringify(runs[1]));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("bench chart", () => {
    it("reads every run, oldest first", () => {
        expect(readRuns(dir).map((r) => r.when)).toEqual(runs.map((r) => r.when));
    });

    it("has a row per run: seconds, then the ratios; NaN (a gap) where a run did not measure", () => {
        const [head, first, second] = chartData(runs).trim().split("\n").map((l) => l.split("\t"));
        expect(head).toEqual(["run", "up_n1_warm", "up_n3", "boot_node_systemd", "boot_bare_systemd", "restore_total",
            "up N=3 / N=1", "first boot node / bare", "restore / 3-node up (x10)"]);
        expect(first).toEqual(["2026-11-26 10:00", "120", "204", "158", "65", "NaN", "1.7", "2.43", "NaN"]);
        expect(second).toEqual(["2026-12-02 10:00", "100", "153.4", "71", "22.9", "10", "1.53", "3.1", "0.65"]);
    });

    it("draws one SVG with every figure's title and every run's date", () => {
        const svg = path.join(dir, "chart.svg");
        expect(writeChart(dir, svg)).toBeUndefined();
        const text = fs.readFileSync(svg, "utf8");
        expect(text).toMatch(/<svg[\s\S]*<\/svg>/);
        for (const t of ["up N=1 (image cached)", "first boot, bare guest", "3-node restore", "up N=3 / N=1", "first boot node / bare",
            "2026-11-26 10:00", "2026-12-02 10:00", "2 run(s)"]) {
            expect(text, t).toContain(t);
        }
        expect(fs.existsSync(`${svg}.tsv`), "the data file is removed").toBe(false);
    });

    it("says why there is no chart: no runs, or no gnuplot", () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "bench-chart-empty-"));
        expect(writeChart(empty, path.join(empty, "c.svg"))).toBe(`no runs in ${empty}`);
        fs.rmSync(empty, { recursive: true });
        expect(writeChart(dir, path.join(dir, "c.svg"), "/nonexistent/gnuplot")).toMatch(/make setup installs it \(package gnuplot-nox\)/);
    });
});
