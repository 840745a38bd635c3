// Fault injection as `lab partition` / `lab heal` load it into nftables.
import { describe, expect, it } from "vitest";
import { faultTable, healRuleset, linkRuleset, linksTable, parseGroup, partitionRuleset } from "../../cli/faults";
import { jumpClock, strobeOffsets } from "../../cli/clock";
import type { Virsh } from "../../cli/virsh";
import { NodeInfo } from "../../cli/stack";

const nodes = [1, 2, 3].map((i) => ({ name: `cluster-node-${i}`, ip: `10.79.0.${9 + i}`, host: "main" }) as NodeInfo);
const drops = (ruleset: string) => ruleset.split("\n").filter((l) => l.trim().endsWith(" drop")).map((l) => l.trim());

describe("partition", () => {
    it("drops traffic both ways between every pair across the groups, in the stack's own table", () => {
        const r = partitionRuleset("e2e-1", parseGroup("3", nodes), parseGroup("1,2", nodes));
        expect(drops(r).sort()).toEqual([
            "ip saddr 10.79.0.10 ip daddr 10.79.0.12 drop", "ip saddr 10.79.0.11 ip daddr 10.79.0.12 drop",
            "ip saddr 10.79.0.12 ip daddr 10.79.0.10 drop", "ip saddr 10.79.0.12 ip daddr 10.79.0.11 drop",
        ]);
        expect(r).toContain("table bridge clusteros_lab_e2e_1 {");
        expect(r).toContain("type filter hook forward priority 0; policy accept;");
    });

    it("drops only what the first group sends when one-way", () => {
        expect(drops(partitionRuleset("ci", [nodes[2]], [nodes[0]], true))).toEqual(["ip saddr 10.79.0.12 ip daddr 10.79.0.10 drop"]);
    });

    it("replaces an earlier partition: the table is declared and deleted before it is written", () => {
        const r = partitionRuleset("ci", [nodes[0]], [nodes[1]]);
        expect(r.indexOf("delete table bridge clusteros_lab_ci")).toBeLessThan(r.indexOf("table bridge clusteros_lab_ci {"));
        expect(r.indexOf("table bridge clusteros_lab_ci\n")).toBeLessThan(r.indexOf("delete table"));
    });

    it("heals by deleting only the stack's table, whether or not it exists", () => {
        const h = healRuleset("ci");
        expect(drops(h)).toEqual([]);
        expect(h).toContain("table bridge clusteros_lab_ci\ndelete table bridge clusteros_lab_ci\n");
        expect(h).not.toContain("chain");
        expect(faultTable("other")).not.toBe(faultTable("ci"));
    });

    it("refuses a node on both sides and a node that does not exist", () => {
        expect(() => partitionRuleset("ci", [nodes[0]], [nodes[0], nodes[1]])).toThrow(/cluster-node-1 cannot be on both sides/);
        // The ruleset acts on the main host's bridge: a node placed on another host cannot be cut by it.
        expect(() => partitionRuleset("ci", [{ ...nodes[2], host: "lab2" }], [nodes[0]]))
            .toThrow("a partition acts on the main host's network; cluster-node-3 is on host lab2");
        expect(() => parseGroup("1,4", nodes)).toThrow(/node '4' is not one of 1..3/);
        expect(() => parseGroup("x", nodes)).toThrow(/comma-separated node numbers/);
    });

    it.runIf(process.getuid?.() === 0 && require("node:child_process").spawnSync("nft", ["--version"]).status === 0)(
        "is a ruleset nft accepts (checked without loading it)", () => {
            const { spawnSync } = require("node:child_process");
            for (const r of [partitionRuleset("ci", [nodes[2]], [nodes[0], nodes[1]]), healRuleset("ci"),
                linkRuleset("ci", [nodes[0]], [nodes[1]], { lossPct: 30, rateKBps: 100 })]) {
                const check = spawnSync("nft", ["-c", "-f", "-"], { input: r, encoding: "utf8" });
                expect(check.stderr).toBe("");
                expect(check.status).toBe(0);
            }
        });
});

describe("degraded links, from outside the guests", () => {
    const rules = (ruleset: string) => ruleset.split("\n").filter((l) => l.trim().startsWith("ip saddr")).map((l) => l.trim());

    it("drops a share of the frames at random, and beyond a rate, both ways between the groups, in a table of the stack's own", () => {
        const r = linkRuleset("ci", [nodes[0]], [nodes[1]], { lossPct: 30, rateKBps: 100 });
        expect(rules(r)).toEqual([
            "ip saddr 10.79.0.10 ip daddr 10.79.0.11 numgen random mod 100 < 30 drop",
            "ip saddr 10.79.0.10 ip daddr 10.79.0.11 limit rate over 100 kbytes/second drop",
            "ip saddr 10.79.0.11 ip daddr 10.79.0.10 numgen random mod 100 < 30 drop",
            "ip saddr 10.79.0.11 ip daddr 10.79.0.10 limit rate over 100 kbytes/second drop",
        ]);
        expect(r).toContain(`table bridge ${linksTable("ci")} {`);
        expect(linksTable("ci")).not.toBe(faultTable("ci"));
        expect(rules(linkRuleset("ci", [nodes[2]], [nodes[0]], { lossPct: 5 }, true))).toEqual(["ip saddr 10.79.0.12 ip daddr 10.79.0.10 numgen random mod 100 < 5 drop"]);
    });

    it("heal removes the degraded links as well as the partition", () => {
        expect(healRuleset("ci")).toContain(`table bridge ${linksTable("ci")}\ndelete table bridge ${linksTable("ci")}\n`);
    });

    it("refuses a fault without loss or rate, a loss out of 1-99, a node on both ends, and another host's node", () => {
        expect(() => linkRuleset("ci", [nodes[0]], [nodes[1]], {})).toThrow(/needs a loss .* or a rate/);
        expect(() => linkRuleset("ci", [nodes[0]], [nodes[1]], { lossPct: 100 })).toThrow(/1 to 99, not 100 \(100% is a partition/);
        expect(() => linkRuleset("ci", [nodes[0]], [nodes[1]], { rateKBps: 0.5 })).toThrow(/whole kilobytes per second/);
        expect(() => linkRuleset("ci", [nodes[0]], [nodes[0]], { lossPct: 5 })).toThrow(/both ends/);
        expect(() => linkRuleset("ci", [{ ...nodes[2], host: "lab2" }], [nodes[0]], { lossPct: 5 })).toThrow(/cluster-node-3 is on host lab2/);
    });
});

describe("clock faults", () => {
    /** A virsh that answers domtime as the guest agent does, from a clock it keeps. */
    function fakeVirsh(start: number): { virsh: Virsh; calls: string[][] } {
        let clock = start;
        const calls: string[][] = [];
        const virsh: Virsh = (...args) => {
            calls.push(args);
            if (args[0] !== "domtime") return { ok: false, out: "", err: "unexpected" };
            if (args[2] === "--time") clock = Number(args[3]);
            return { ok: true, out: args.length === 2 ? `Time: ${clock}` : "", err: "" };
        };
        return { virsh, calls };
    }

    it("jumps a node's clock by an offset from its own time, forward or back", () => {
        const { virsh, calls } = fakeVirsh(1_800_000_000);
        expect(jumpClock(virsh, "n1", 3600)).toBe(1_800_003_600);
        expect(jumpClock(virsh, "n1", -7200)).toBe(1_799_996_400);
        expect(calls).toEqual([["domtime", "n1"], ["domtime", "n1", "--time", "1800003600"], ["domtime", "n1"], ["domtime", "n1", "--time", "1799996400"]]);
        expect(() => jumpClock(virsh, "n1", 0)).toThrow(/non-zero/);
    });

    it("strobes ahead and back every period for the duration", () => {
        expect(strobeOffsets(30, 2, 10)).toEqual([30, 0, 30, 0, 30]);
        expect(() => strobeOffsets(30, 5, 2)).toThrow(/at least one period/);
    });
});
