// The standard partition shapes (cli/partition-shapes.ts) as lab partition --isolate,
// --minority and --ring and the test API's partitionShape() cut a cluster.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { shapeRuleset } from "../../cli/faults";
import { describeViews, majority, PartitionShape, shapeCuts, shapeFromOptions, views } from "../../cli/partition-shapes";
import { NodeInfo } from "../../cli/stack";

const seen = (shape: PartitionShape, n: number) => views(shapeCuts(shape, n), n);
const nodesOf = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `cluster-node-${i + 1}`, ip: `10.79.0.${10 + i}`, host: "main" }) as NodeInfo);

describe("partition shapes", () => {
    it("isolate: the node sees itself alone, the others see each other", () => {
        expect([...seen({ kind: "isolate", node: 2 }, 4)]).toEqual([[1, [1, 3, 4]], [2, [2]], [3, [1, 3, 4]], [4, [1, 3, 4]]]);
        expect(() => shapeCuts({ kind: "isolate", node: 5 }, 4)).toThrow("node '5' is not one of 1..4");
    });

    it("minority: fewer than half the nodes on one side, a majority on the other, the same for the same seed", () => {
        fc.assert(fc.property(fc.integer({ min: 3, max: 12 }), fc.nat(), (n, seed) => {
            const [cut] = shapeCuts({ kind: "minority", seed }, n);
            expect(cut.b.length).toBe(majority(n));
            expect([...cut.a, ...cut.b].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
            expect(shapeCuts({ kind: "minority", seed }, n)).toEqual([cut]);
        }));
        // Different seeds pick different minorities (not always the first nodes).
        const picked = new Set(Array.from({ length: 20 }, (_, seed) => shapeCuts({ kind: "minority", seed }, 5)[0].a.join(",")));
        expect(picked.size).toBeGreaterThan(3);
        expect(() => shapeCuts({ kind: "minority", seed: 1 }, 2)).toThrow("need at least 3 nodes");
    });

    it("ring: every node sees a majority, itself included, no two nodes the same one, and cuts are mutual", () => {
        fc.assert(fc.property(fc.integer({ min: 4, max: 15 }), (n) => {
            const v = seen({ kind: "ring" }, n);
            for (const [x, s] of v) {
                expect(s).toContain(x);
                expect(s.length).toBeGreaterThanOrEqual(majority(n));
                expect(s.length).toBeLessThan(n);
                for (const y of s) expect(v.get(y)).toContain(x);
            }
            expect(new Set([...v.values()].map((s) => s.join(","))).size).toBe(n);
        }));
        expect(describeViews(seen({ kind: "ring" }, 4))).toBe("node 1 sees 1,2,4; node 2 sees 1,2,3; node 3 sees 2,3,4; node 4 sees 1,3,4");
        expect(() => shapeCuts({ kind: "ring" }, 3)).toThrow("a ring partition needs at least 4 nodes (with 3, each node's majority is the whole cluster)");
    });

    it("one ruleset for the whole shape: both ways between every pair that is cut, nothing else", () => {
        const { ruleset, views: v } = shapeRuleset("ci", { kind: "ring" }, nodesOf(4));
        const drops = ruleset.split("\n").map((l) => l.trim()).filter((l) => l.endsWith(" drop")).sort();
        expect(drops).toEqual([
            "ip saddr 10.79.0.10 ip daddr 10.79.0.12 drop", "ip saddr 10.79.0.11 ip daddr 10.79.0.13 drop",
            "ip saddr 10.79.0.12 ip daddr 10.79.0.10 drop", "ip saddr 10.79.0.13 ip daddr 10.79.0.11 drop",
        ]);
        expect(v.get(1)).toEqual([1, 2, 4]);
        expect(ruleset).toContain("table bridge clusteros_lab_ci {");
    });

    it("lab partition's options: one shape or two groups, with a clear error otherwise", () => {
        const random = () => 4242;
        expect(shapeFromOptions({}, 2, random)).toBeUndefined();
        expect(shapeFromOptions({ isolate: "3" }, 0, random)).toEqual({ kind: "isolate", node: 3 });
        expect(shapeFromOptions({ ring: true }, 0, random)).toEqual({ kind: "ring" });
        expect(shapeFromOptions({ minority: true }, 0, random)).toEqual({ kind: "minority", seed: 4242 });
        expect(shapeFromOptions({ minority: true, seed: "7" }, 0, random)).toEqual({ kind: "minority", seed: 7 });
        expect(() => shapeFromOptions({}, 1, random)).toThrow("needs two groups (e.g. 3 1,2) or a shape");
        expect(() => shapeFromOptions({ ring: true, minority: true }, 0, random)).toThrow("give one shape");
        expect(() => shapeFromOptions({ ring: true }, 2, random)).toThrow("give a shape or two groups, not both");
        expect(() => shapeFromOptions({ ring: true, oneWay: true }, 0, random)).toThrow("--one-way is for two groups");
        expect(() => shapeFromOptions({ seed: "3" }, 2, random)).toThrow("--seed picks the minority of --minority");
        expect(() => shapeFromOptions({ minority: true, seed: "x" }, 0, random)).toThrow("--seed takes a whole number, not 'x'");
    });
});
