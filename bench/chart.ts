// The bench's chart: every run in bench/results (its JSON files) as a point, the seconds and
// the ratios the issues bound, so runs are compared by looking. The data is a TSV made here;
// gnuplot (Debian's gnuplot-nox) draws the SVG from bench/chart.gp.mustache.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { renderFile } from "../components/plan/templates";
import { Machine, ratio, Results } from "./report";

export interface Run {
    when: string;
    machine: Machine;
    results: Results;
}

/** The figures in seconds, by their results key. */
export const SECONDS: [key: string, title: string][] = [
    ["up_n1_warm", "up N=1 (image cached)"],
    ["up_n3", "up N=3"],
    ["boot_node_systemd", "first boot, lab node"],
    ["boot_bare_systemd", "first boot, bare guest"],
    ["restore_total", "3-node restore"],
];

/** The ratios, each with the bound its issue sets. */
export const RATIOS: { title: string; of: (r: Results) => string; bound: number }[] = [
    { title: "up N=3 / N=1", of: (r) => ratio(r.up_n3, r.up_n1_warm), bound: 1.5 },
    { title: "first boot node / bare", of: (r) => ratio(r.boot_node_systemd, r.boot_bare_systemd), bound: 1.3 },
    { title: "restore / 3-node up (x10)", of: (r) => ratio(r.restore_total, r.up_n3, 10), bound: 0.3 },
];

/** Every run found in dir, oldest first. */
export function readRuns(dir: string): Run[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort()
        .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as Run)
        .sort((a, b) => a.when.localeCompare(b.when));
}

const number = (v: string | undefined) => (v === undefined || !Number.isFinite(Number(v)) || v === "" ? "NaN" : String(Number(v)));

/** The chart's data: a row per run, its date first, then the seconds, then the ratios (NaN where not measured). */
export function chartData(runs: Run[]): string {
    const head = ["run", ...SECONDS.map(([k]) => k), ...RATIOS.map((r) => r.title)].join("\t");
    const rows = runs.map((run) => [run.when.slice(0, 16).replace("T", " "),
        ...SECONDS.map(([k]) => number(run.results[k])), ...RATIOS.map((r) => number(r.of(run.results)))].join("\t"));
    return [head, ...rows].join("\n") + "\n";
}

/** The gnuplot script that draws `data` (chartData's file) into `output`. */
export function chartScript(runs: Run[], data: string, output: string): string {
    const last = <T>(xs: T[]) => xs.map((x, i) => ({ ...x, last: i === xs.length - 1 }));
    const machines = [...new Set(runs.map((r) => `${r.machine.cpus} cores, ${r.machine.domainType}`))].join("; ");
    return renderFile(path.join(__dirname, "chart.gp.mustache"), {
        output, runs: runs.length, machine: machines,
        seconds: last(SECONDS.map(([, title], i) => ({ data, column: i + 2, title }))),
        ratios: last(RATIOS.map((r, i) => ({ data, column: SECONDS.length + i + 2, title: r.title, bound: r.bound, n: i + 1 }))),
    });
}

/**
 * Draws every run of `dir` into `output` (SVG). Returns why not when there is nothing to
 * draw or gnuplot cannot run; the bench goes on without its chart then.
 */
export function writeChart(dir: string, output: string, gnuplot = "gnuplot"): string | undefined {
    const runs = readRuns(dir);
    if (runs.length === 0) return `no runs in ${dir}`;
    const data = `${output}.tsv`;
    fs.writeFileSync(data, chartData(runs));
    try {
        const r = spawnSync(gnuplot, [], { input: chartScript(runs, data, output), encoding: "utf8" });
        if (r.error) return `gnuplot could not run (${r.error.message}): make setup installs it (package gnuplot-nox)`;
        if (r.status !== 0) return `gnuplot failed: ${r.stderr.trim()}`;
        return undefined;
    } finally {
        fs.rmSync(data, { force: true });
    }
}
