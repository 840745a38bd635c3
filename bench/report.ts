// The bench's report: what bench.ts measured, as a table (cli-table3, as the CLI prints
// tables) and as JSON with a description of the machine. Pure but for describing the machine.
import * as fs from "node:fs";
import * as os from "node:os";
import { newTable } from "../cli/table";

/** Measured values by key (seconds, bytes, counts or short text), as bench.ts records them. */
export type Results = Record<string, string>;
/**
 * all: every measure; p2: first boot and N=1/3 from nothing; p6: a 4-node up, then an edit of
 * the agent's source until every node runs it; p7: 3-node up and checkpoint restore.
 */
export type Measures = "all" | "p2" | "p6" | "p7";
export const MEASURES: Measures[] = ["all", "p2", "p6", "p7"];

export interface Machine {
    cpus: number;
    cpuModel: string;
    memGiB: number;
    kernel: string;
    domainType: string;
}

/** a / b with two decimals; n/a unless both were measured and b > 0. */
export function ratio(a: string | undefined, b: string | undefined, scale = 1): string {
    const [x, y] = [Number(a), Number(b)];
    if (a === undefined || b === undefined || !Number.isFinite(x) || !Number.isFinite(y) || y <= 0) return "n/a";
    return ((scale * x) / y).toFixed(2);
}

/** The table's rows: [measure, value, ideal]; only the measured part's rows for p2 and p7. */
export function reportRows(r: Results, measures: Measures): string[][] {
    const v = (k: string) => r[k] ?? "n/a";
    const sec = (k: string) => (r[k] === undefined ? "n/a" : `${r[k]}s`);
    const [c, u, rep, d] = (r.scale_out_changes ?? "n/a n/a n/a n/a").split(" ");
    const rows = [
        ["P1 Packer runs: first up / no-op / nodeCount change / provisioning file changed / restored",
            [v("packer_first"), v("packer_noop"), v("packer_n2"), v("packer_provision"), v("packer_restore")].join(" / "), "- / 0 / 0 / 1 / 0"],
        ["P1 image build (Packer)", `${v("image_build")} (first up with it: ${sec("up_n1")})`, ""],
        ["P2 up from nothing (image cached), N=1 / 2 / 3", `${sec("up_n1_warm")} / ${sec("up_n2")} / ${sec("up_n3")}`, ""],
        ["P2 ratio N=3 / N=1", ratio(r.up_n3, r.up_n1_warm), "<= 1.5"],
        ["P2 first boot in the guest (systemd, kernel + userspace): lab node / bare guest (same image, domain and firmware, "
            + `no seed: cloud-init ${v("boot_bare_cloudinit")})`,
            `${sec("boot_node_systemd")} / ${sec("boot_bare_systemd")} (bare guest answering after ${sec("boot_bare_wall")})`, ""],
        ["P2 ratio first boot lab node / bare guest", ratio(r.boot_node_systemd, r.boot_bare_systemd), "<= 1.3"],
        ["P2 the shipped raw disk, no seed, no network (plain QEMU): login prompt through SeaBIOS / OVMF",
            `${sec("boot_raw_bios")} / ${sec("boot_raw_uefi")}`, ""],
        ["P2 ratio raw disk's login prompt / bare guest answering, SeaBIOS / OVMF",
            `${ratio(r.boot_raw_bios, r.boot_bare_wall)} / ${ratio(r.boot_raw_uefi, r.boot_bare_wall)}`, "<= 1.3"],
        ["P2 slowest units of the lab node's first boot", v("boot_node_top"), ""],
        ["P3 no-op up / full up of the same stack (N=1, image cached)",
            `${sec("up_noop")} / ${sec("up_n1_warm")} = ${ratio(r.up_noop, r.up_n1_warm)}`, "< 0.15"],
        ["P4 node disk / base image: as created; after first boot",
            `${v("cow_created_bytes")} B; ${v("cow_node_bytes")} / ${v("cow_base_bytes")} B = ${ratio(r.cow_node_bytes, r.cow_base_bytes, 100)} %`, "< 5 %"],
        ["P5 scale out 3 -> 4", `${sec("scale_out")} (created ${c}, updated ${u}, replaced ${rep}, deleted ${d}) vs N=1 up ${sec("up_n1_warm")}`, "replaced 0"],
        ["P7 3-node checkpoint: save / restore: reverted and resumed; healthy after; whole call",
            `${sec("checkpoint_save")} / ${sec("restore_reverted")}; ${sec("restore_healthy")}; ${sec("restore_total")}`, "healthy <= 6s"],
        ["P7 ratio restore (whole call) / 3-node up from nothing",
            `${ratio(r.restore_total, r.up_n3)} (${sec("restore_total")} / ${sec("up_n3")})`, "<= 0.03"],
        ["P6 agent source edited -> running on 4 nodes", `${sec("agent_total")} (up ${sec("agent_up")}), ${v("agent_nodes_updated")}/4 nodes run it`, "< 60s"],
    ];
    const keep = measures === "p2" ? (m: string) => m.startsWith("P2")
        : measures === "p6" ? (m: string) => m.startsWith("P6")
        : measures === "p7" ? (m: string) => m.startsWith("P2 up") || m.startsWith("P7")
        : () => true;
    return rows.filter(([m]) => keep(m));
}

export function reportTable(r: Results, measures: Measures, machine: Machine, tty?: boolean): string {
    const table = newTable(["measure", "value", "ideal"], tty);
    table.push(...reportRows(r, measures));
    return `ClusterOS Lab benchmark (${machine.cpus} cores, ${machine.memGiB} GiB, domain type ${machine.domainType})\n${table.toString()}`;
}

export function reportJson(r: Results, machine: Machine, when: Date): string {
    return JSON.stringify({ when: when.toISOString(), machine, results: r }, null, 2) + "\n";
}

export function thisMachine(domainType: string): Machine {
    const cpus = os.cpus();
    return { cpus: cpus.length, cpuModel: cpus[0]?.model ?? "unknown", memGiB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(), domainType };
}

/** Prints the table and writes the JSON under dir, named by the time; returns its path. */
export function writeReport(r: Results, measures: Measures, dir: string, domainType: string): string {
    const machine = thisMachine(domainType);
    const when = new Date();
    const file = `${dir}/${when.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}.json`;
    console.log(reportTable(r, measures, machine));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, reportJson(r, machine, when));
    return file;
}
