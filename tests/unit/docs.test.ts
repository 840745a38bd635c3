// Documentation cannot rot silently: every shell block is either run by the e2e test or
// says why not, and what it runs exists.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { allBlocks, forStack, parseBlocks, ROOT } from "../docs/blocks";

const makefile = fs.readFileSync(path.join(ROOT, "Makefile"), "utf8");
const targets = new Set([...makefile.matchAll(/^([a-z][a-z0-9-]*):/gm)].map((m) => m[1]));

describe("documentation", () => {
    const blocks = allBlocks();

    it("marks every shell block as run by the e2e test or says why not", () => {
        const unmarked = blocks.filter((b) => b.marker === "none").map((b) => `${b.file}:${b.line}`);
        expect(unmarked).toEqual([]);
        expect(blocks.filter((b) => b.marker === "e2e").length).toBeGreaterThanOrEqual(8);
    });

    it("uses only make targets and scripts that exist", () => {
        for (const b of blocks) {
            for (const c of b.commands) {
                for (const m of c.matchAll(/\bmake (?:-s )?([a-z][a-z0-9-]*)/g)) {
                    expect(targets, `${b.file}:${b.line}: make ${m[1]}`).toContain(m[1]);
                }
                for (const m of c.matchAll(/\b(scripts\/[\w./-]+)/g)) {
                    expect(fs.existsSync(path.join(ROOT, m[1])), `${b.file}:${b.line}: ${m[1]}`).toBe(true);
                }
            }
        }
    });

    it("runs documented commands on the e2e test's own stack and namespace", () => {
        expect(forStack("scripts/lab.sh --stack ci status", "e2e-1")).toBe("scripts/lab.sh --stack e2e-1 status");
        expect(forStack("make exec STACK=ci N=1 CMD='sinfo'", "e2e-1")).toBe("make exec STACK=e2e-1 N=1 CMD='sinfo'");
    });

    it("parses markers, commands and comments", () => {
        const text = "x\n<!-- not run: destroys a disk -->\n```sh\n# c\ndd if=a of=b   # careful\n```\n"
            + "<!-- e2e kubernetes -->\n```sh\nmake status STACK=ci\n```\n";
        expect(parseBlocks("f.md", text)).toEqual([
            { file: "f.md", line: 3, marker: "not run", reason: "destroys a disk", commands: ["dd if=a of=b"] },
            { file: "f.md", line: 8, marker: "e2e kubernetes", reason: undefined, commands: ["make status STACK=ci"] },
        ]);
    });

    it("has the Kubernetes commands run by the Kubernetes e2e", () => {
        const kube = blocks.filter((b) => b.marker === "e2e kubernetes");
        expect(kube.map((b) => b.file)).toContain("docs/VM_TESTING.md");
        expect(kube.flatMap((b) => b.commands).some((c) => c.includes("kubectl get nodes"))).toBe(true);
    });
});
