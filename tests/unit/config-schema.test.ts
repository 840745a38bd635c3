// Each config key is declared in the schema (how it is read), Pulumi.yaml (its type and
// default) and the README's table (what it means). Adding a key to one place and not the
// others fails here, naming the place that lacks it.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS } from "../../components/plan/config-schema";
import { configSpecs, projectDefaults } from "../../components/plan/defaults";
import { validateConfig } from "../../components/plan/config";
import { host } from "./helpers";

const README = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");

/** The keys of the README's configuration table, in its order. */
function readmeKeys(): string[] {
    const section = README.slice(README.indexOf("## Configuration"));
    const table = section.slice(0, section.indexOf("\n\n", section.indexOf("| Key |")));
    return [...table.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
}

describe("config schema", () => {
    it("names the same keys as Pulumi.yaml, in the same order", () => {
        expect(Object.keys(configSpecs)).toEqual(CONFIG_KEYS);
    });

    it("names the same keys as the README's table", () => {
        expect(readmeKeys()).toEqual(CONFIG_KEYS);
    });

    it("accepts every default Pulumi.yaml gives, and each default has Pulumi.yaml's declared type", () => {
        const cfg = validateConfig({ imageFlavor: "debian-12" }, host);
        expect(cfg.nodeCount).toBe(projectDefaults.nodeCount);
        for (const [key, spec] of Object.entries(configSpecs)) {
            const d = spec.default;
            if (d === undefined) continue;
            const actual = Array.isArray(d) ? "array" : typeof d === "object" ? "object" : Number.isInteger(d) ? "integer" : typeof d;
            expect(`${key}: ${actual}`).toBe(`${key}: ${spec.type}`);
        }
    });

    it("reports a key in the stack that the schema lacks, with the nearest known key", () => {
        expect(() => validateConfig({ imageFlavor: "debian-12", nodeCont: 3 }, host)).toThrow(/nodeCont .*did you mean nodeCount/);
    });
});
