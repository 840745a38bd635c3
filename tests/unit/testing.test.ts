// The pure parts of clusteros-lab/testing (testing/), and its documentation's example.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { configPaths } from "../../testing/config-paths";
import { stackFileConfig } from "../../testing/lab-cluster";
import { clearCommand, degradeCommands, netemArgs } from "../../testing/netem";

const ROOT = path.join(__dirname, "..", "..");

describe("a test stack's config", () => {
    it("sets objects and lists leaf by leaf, as pulumi config set --path does", () => {
        expect(configPaths("clusteros-lab", {
            nodeCount: 3, slurm: true,
            hosts: { lab2: { libvirtUri: "qemu+ssh://root@lab2/system", nodes: [3, 4] } },
        })).toEqual({
            "clusteros-lab:nodeCount": "3",
            "clusteros-lab:slurm": "true",
            "clusteros-lab:hosts.lab2.libvirtUri": "qemu+ssh://root@lab2/system",
            "clusteros-lab:hosts.lab2.nodes[0]": "3",
            "clusteros-lab:hosts.lab2.nodes[1]": "4",
        });
    });

    it("starts from a stack file's plain settings, never its secrets", () => {
        const ci = stackFileConfig("ci", ROOT);
        expect(ci.imageFlavor).toBe("debian-12");
        expect(ci.domainType).toBe("qemu");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackfile-"));
        fs.writeFileSync(path.join(dir, "Pulumi.s.yaml"),
            "config:\n  clusteros-lab:nodeCount: \"2\"\n  clusteros-lab:token:\n    secure: AAAA\n  other:key: x\n");
        expect(stackFileConfig("s", dir)).toEqual({ nodeCount: "2" });
        fs.rmSync(dir, { recursive: true });
    });
});

describe("degraded links (tc netem)", () => {
    it("delays and drops only what goes to the given nodes, in a band of its own", () => {
        const cmds = degradeCommands("enp1s0", ["10.77.0.10", "10.77.0.11"], { delayMs: 200, lossPct: 5 });
        expect(cmds[0]).toEqual(clearCommand("enp1s0"));
        expect(cmds[1].slice(0, 9)).toEqual(["tc", "qdisc", "add", "dev", "enp1s0", "root", "handle", "1:", "prio"]);
        // The default priomap only uses bands 1-3: band 4 carries nothing but the filtered traffic.
        expect(cmds[1].slice(13)).not.toContain("3");
        expect(cmds[2]).toEqual(["tc", "qdisc", "add", "dev", "enp1s0", "parent", "1:4", "handle", "40:", "netem", "delay", "200ms", "loss", "5%"]);
        expect(cmds.slice(3).map((c) => c.slice(-4))).toEqual([
            ["dst", "10.77.0.10/32", "flowid", "1:4"], ["dst", "10.77.0.11/32", "flowid", "1:4"],
        ]);
    });

    it("clears the device when nothing is degraded, and refuses impossible values", () => {
        expect(degradeCommands("enp1s0", ["10.77.0.10"], {})).toEqual([clearCommand("enp1s0")]);
        expect(() => netemArgs({ lossPct: 120 })).toThrow(/percentages \(lossPct, .*\) from 0 to 100/);
        expect(() => netemArgs({ delayMs: -5 })).toThrow(/delayMs, jitterMs, rateKbit from 0/);
    });

    it("plans jitter, duplication, reordering, corruption and a rate as netem takes them", () => {
        expect(netemArgs({ delayMs: 100, jitterMs: 20, duplicatePct: 1, reorderPct: 25, corruptPct: 0.1, rateKbit: 512 }))
            .toEqual(["delay", "100ms", "20ms", "duplicate", "1%", "reorder", "25%", "corrupt", "0.1%", "rate", "512kbit"]);
        expect(() => netemArgs({ reorderPct: 10 })).toThrow(/need a delayMs/);
        expect(() => netemArgs({ jitterMs: 10 })).toThrow(/need a delayMs/);
    });
});

describe("docs/WRITING_TESTS.md", () => {
    it("shows the example CI runs, in full and as it is", () => {
        const doc = fs.readFileSync(path.join(ROOT, "docs", "WRITING_TESTS.md"), "utf8");
        const example = fs.readFileSync(path.join(ROOT, "docs", "examples", "cluster.test.ts"), "utf8");
        expect(doc).toContain("```ts\n" + example + "```");
        // From a directory outside this repository, as another repository's tests are.
        expect(doc).toMatch(/<!-- e2e -->\n```sh\ntests="\$\(mktemp -d\)" && cp docs\/examples\/cluster\.test\.ts "\$tests\/".*\nmake cluster-test STACK=ci TESTS="\$tests"/);
    });
});
