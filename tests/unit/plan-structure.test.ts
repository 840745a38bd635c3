// components/plan is the pure core: it imports no Pulumi, its modules form no import circle
// (shared names and constants live in leaf modules: names.ts, config-types.ts), and importing
// it reads no file.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const PLAN = path.join(__dirname, "..", "..", "components", "plan");
const modules = fs.readdirSync(PLAN).filter((f) => f.endsWith(".ts")).sort();
const source = (f: string) => fs.readFileSync(path.join(PLAN, f), "utf8");
/** What a module imports, type-only imports and re-exports included. */
const importsOf = (f: string) => [...source(f).matchAll(/(?:import|export)\s[^;]*?from\s+"([^"]+)"/g)].map((m) => m[1]);

/** An import circle among the plan's modules, as the list of files around it, or undefined. */
export function findCircle(graph: Map<string, string[]>): string[] | undefined {
    const state = new Map<string, "open" | "done">();
    const walk = (f: string, trail: string[]): string[] | undefined => {
        state.set(f, "open");
        for (const g of graph.get(f) ?? []) {
            if (state.get(g) === "open") return [...trail.slice(trail.indexOf(g)), g];
            if (!state.has(g)) {
                const found = walk(g, [...trail, g]);
                if (found) return found;
            }
        }
        state.set(f, "done");
        return undefined;
    };
    for (const f of graph.keys()) {
        if (!state.has(f)) {
            const found = walk(f, [f]);
            if (found) return found;
        }
    }
    return undefined;
}

describe("components/plan", () => {
    it("finds a circle when there is one (the check itself)", () => {
        expect(findCircle(new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]]]))).toEqual(["a", "b", "c", "a"]);
        expect(findCircle(new Map([["a", ["b"]], ["b", []], ["c", ["a", "b"]]]))).toBeUndefined();
    });

    it("has no import circle, counting type-only imports", () => {
        const graph = new Map(modules.map((f) => [f, importsOf(f).filter((i) => i.startsWith("./")).map((i) => `${i.slice(2)}.ts`)]));
        expect(findCircle(graph)).toBeUndefined();
    });

    it("imports no Pulumi package", () => {
        expect(modules.filter((f) => importsOf(f).some((i) => i.startsWith("@pulumi/")))).toEqual([]);
    });

    it("reads no file when imported", () => {
        // A fresh Node (the TypeScript compiled as the project compiles it), fs.readFileSync and
        // readdirSync recorded while every plan module loads. The loader's own reads (the modules'
        // sources, package.json files) and the libraries' (node_modules) are not the plan's.
        const probe = `
            const fs = require("node:fs");
            const seen = [];
            for (const name of ["readFileSync", "readdirSync"]) {
                const real = fs[name];
                fs[name] = (...args) => { seen.push(name + " " + String(args[0])); return real(...args); };
            }
            for (const f of ${JSON.stringify(modules.map((f) => path.join(PLAN, f)))}) require(f);
            console.log(JSON.stringify(seen.filter((s) => !/node_modules|\\.ts$|package\\.json$/.test(s))));`;
        const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", probe], { encoding: "utf8", cwd: path.join(PLAN, "..", "..") });
        expect(r.status, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout.trim().split("\n").pop() ?? "null")).toEqual([]);
    }, 60_000);
});
