// Fault injection as `lab partition` / `lab heal` load it into nftables.
import { describe, expect, it } from "vitest";
import { faultTable, healRuleset, parseGroup, partitionRuleset } from "../../cli/faults";
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
            for (const r of [partitionRuleset("ci", [nodes[2]], [nodes[0], nodes[1]]), healRuleset("ci")]) {
                const check = spawnSync("nft", ["-c", "-f", "-"], { input: r, encoding: "utf8" });
                expect(check.stderr).toBe("");
                expect(check.status).toBe(0);
            }
        });
});
