// Each config key is declared once, in the schema (type, default, description, parser);
// Pulumi.yaml's config block is written from it (make pulumi-yaml) and the README's table
// documents it. Adding a key is two edits, schema and README; forgetting either, or the
// regeneration, fails here.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS, pulumiConfigBlock, SCHEMA } from "../../components/plan/config-schema";
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
    it("is what Pulumi.yaml's config block says, key for key and in order (make pulumi-yaml writes it)", () => {
        expect(Object.keys(configSpecs()), "run make pulumi-yaml").toEqual(CONFIG_KEYS);
        expect(configSpecs(), "run make pulumi-yaml").toEqual(pulumiConfigBlock());
    });

    it("names the same keys as the README's table", () => {
        expect(readmeKeys()).toEqual(CONFIG_KEYS);
    });

    it("accepts every default, and each default has its declared type", () => {
        const cfg = validateConfig({ imageFlavor: "debian-12" }, host);
        expect(cfg.nodeCount).toBe(projectDefaults().nodeCount);
        for (const key of CONFIG_KEYS) {
            const { type, default: d } = SCHEMA[key];
            const actual = Array.isArray(d) ? "array" : typeof d === "object" ? "object" : Number.isInteger(d) ? "integer" : typeof d;
            expect(`${key}: ${actual}`).toBe(`${key}: ${type}`);
        }
    });

    it("reports a key in the stack that the schema lacks, with the nearest known key", () => {
        expect(() => validateConfig({ imageFlavor: "debian-12", nodeCont: 3 }, host)).toThrow(/nodeCont .*did you mean nodeCount/);
    });
});
