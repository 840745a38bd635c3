// Shell blocks of the documentation and what runs them. Every ```sh block in README.md and
// docs/*.md is preceded by a marker: `<!-- e2e -->` (the end-to-end test runs it against its
// live cluster), `<!-- e2e kubernetes -->` (the Kubernetes e2e runs it against its upstream
// cluster) or `<!-- not run: <reason> -->`. tests/e2e/docs.test.ts runs them.
import * as fs from "node:fs";
import * as path from "node:path";

export const ROOT = path.join(__dirname, "..", "..");

export interface DocBlock {
    file: string;
    line: number;
    marker: "e2e" | "e2e kubernetes" | "not run" | "none";
    reason?: string;
    commands: string[];
}

export function docFiles(root = ROOT): string[] {
    const docs = fs.readdirSync(path.join(root, "docs")).filter((f) => f.endsWith(".md")).map((f) => path.join("docs", f));
    return ["README.md", ...docs.sort()];
}

export function parseBlocks(file: string, text: string): DocBlock[] {
    const lines = text.split("\n");
    const blocks: DocBlock[] = [];
    for (let i = 0; i < lines.length; i++) {
        if (lines[i].trim() !== "```sh") continue;
        const prev = (lines[i - 1] ?? "").trim();
        const notRun = /^<!-- not run: (.+) -->$/.exec(prev);
        const marker = prev === "<!-- e2e -->" ? "e2e" : prev === "<!-- e2e kubernetes -->" ? "e2e kubernetes" : notRun ? "not run" : "none";
        const commands: string[] = [];
        let j = i + 1;
        for (; j < lines.length && lines[j].trim() !== "```"; j++) {
            const cmd = lines[j].replace(/\s+#\s.*$/, "").trim();
            if (cmd !== "" && !cmd.startsWith("#")) commands.push(cmd);
        }
        blocks.push({ file, line: i + 1, marker, reason: notRun?.[1], commands });
        i = j;
    }
    return blocks;
}

export function allBlocks(root = ROOT): DocBlock[] {
    return docFiles(root).flatMap((f) => parseBlocks(f, fs.readFileSync(path.join(root, f), "utf8")));
}

/** A documented command as the e2e test runs it: on its own stack. */
export function forStack(command: string, stack: string): string {
    return command
        .replace(/STACK=ci\b/g, `STACK=${stack}`)
        .replace(/--stack ci\b/g, `--stack ${stack}`);
}
