// The bench's report and its reading of systemd's numbers (bench/report.ts, bench/first-boot.ts).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { startupSeconds, topUnits } from "../../bench/first-boot";
import { ratio, reportRows, reportTable, writeReport } from "../../bench/report";
import { LOGIN_PROMPT, rawBootArgs } from "../../bench/raw-boot";

const machine = { cpus: 2, cpuModel: "AMD EPYC", memGiB: 24, kernel: "6.1", domainType: "qemu (TCG)" };

describe("bench report", () => {
    it("computes ratios only from measured values", () => {
        expect(ratio("385", "226")).toBe("1.70");
        expect(ratio("3", "200", 100)).toBe("1.50");
        expect(ratio(undefined, "226")).toBe("n/a");
        expect(ratio("n/a", "226")).toBe("n/a");
        expect(ratio("10", "0")).toBe("n/a");
    });

    it("shows every measure, with n/a for what was not measured", () => {
        const rows = reportRows({ up_n1_warm: "226.0", up_n3: "385.0", scale_out_changes: "2 1 0 0" }, "all");
        expect(rows).toHaveLength(15);
        expect(rows.find(([m]) => m === "P2 ratio N=3 / N=1")?.[1]).toBe("1.70");
        expect(rows.find(([m]) => m.startsWith("P5"))?.[1]).toContain("created 2, updated 1, replaced 0, deleted 0");
        expect(rows.find(([m]) => m.startsWith("P6"))?.[1]).toBe("n/a (up n/a), n/a/4 nodes run it");
    });

    it("gives the first boot's ratios against the bare guest: the lab node's systemd time, the raw disk's login prompt", () => {
        const rows = reportRows({ boot_node_systemd: "53.0", boot_bare_systemd: "40.0", boot_bare_wall: "50.0", boot_raw_bios: "55.0", boot_raw_uefi: "70.0" }, "p2");
        expect(rows.find(([m]) => m === "P2 ratio first boot lab node / bare guest")?.slice(1)).toEqual(["1.32", "<= 1.3"]);
        expect(rows.find(([m]) => m.startsWith("P2 ratio raw disk"))?.[1]).toBe("1.10 / 1.40");
    });

    it("keeps only the measured part's rows for p2 and p7", () => {
        expect(reportRows({}, "p2").map(([m]) => m.slice(0, 2))).toEqual(["P2", "P2", "P2", "P2", "P2", "P2", "P2"]);
        expect(reportRows({}, "p7").map(([m]) => m.split(" ").slice(0, 2).join(" "))).toEqual(["P2 up", "P7 3-node", "P7 ratio"]);
    });

    it("prints a table that names the machine, and writes the results as JSON", () => {
        const table = reportTable({ up_n3: "385.0", restore_total: "18.5" }, "p7", machine, false);
        expect(table.split("\n")[0]).toBe("ClusterOS Lab benchmark (2 cores, 24 GiB, domain type qemu (TCG))");
        expect(table).toMatch(/│ P7 ratio restore \(whole call\) \/ 3-node up from nothing +│ 0\.05 \(18\.5s \/ 385\.0s\) +│ <= 0\.03 +│/);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
        const file = writeReport({ up_n3: "385.0" }, "p7", dir, "qemu (TCG)");
        expect(path.basename(file)).toMatch(/^\d{8}T\d{6}Z\.json$/);
        const json = JSON.parse(fs.readFileSync(file, "utf8"));
        expect(json.results).toEqual({ up_n3: "385.0" });
        expect(json.machine.domainType).toBe("qemu (TCG)");
        expect(json.machine.cpus).toBe(os.cpus().length);
        fs.rmSync(dir, { recursive: true });
    });
});

describe("systemd's numbers", () => {
    it("adds up the total of systemd-analyze time", () => {
        expect(startupSeconds("Startup finished in 2.104s (kernel) + 1min 3.250s (userspace) = 1min 5.354s\ngraphical.target reached after 1min 3.1s"))
            .toBe("65.4");
        expect(startupSeconds("Startup finished in 812ms (kernel) + 9.1s (userspace) = 9.912s")).toBe("9.9");
        expect(startupSeconds("Bootup is not yet finished")).toBeUndefined();
    });

    it("names the four slowest units with their times", () => {
        expect(topUnits("2min 1.756s cloud-init.service\n  30.1s slurmd.service\n12s a.service\n1s b.service\n500ms c.service\n"))
            .toBe("cloud-init.service 2min 1.756s, slurmd.service 30.1s, a.service 12s, b.service 1s");
    });

    it("boots the raw disk with nothing given: no network, the image left unwritten, OVMF only for uefi", () => {
        const bios = rawBootArgs("/w/disk.raw", "bios", "/w/serial.log", "/w/vars.fd");
        expect(bios).toEqual(expect.arrayContaining(["-nic", "none", "file=/w/disk.raw,if=virtio,format=raw,snapshot=on", "file:/w/serial.log"]));
        expect(bios.join(" ")).not.toContain("pflash");
        expect(rawBootArgs("/w/disk.raw", "uefi", "/w/serial.log", "/w/vars.fd").join(" ")).toMatch(/pflash.*OVMF_CODE.*pflash,format=raw,file=\/w\/vars\.fd/);
        expect(LOGIN_PROMPT.test("Debian GNU/Linux 12 clusteros-node ttyS0\n\nclusteros-node login: ")).toBe(true);
        expect(LOGIN_PROMPT.test("[  OK  ] Started serial-getty@ttyS0.service\n")).toBe(false);
    });
});
