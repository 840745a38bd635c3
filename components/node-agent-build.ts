// The node agent built from its Go source (config key nodeAgentSource): `go build` of a main
// package anywhere on the host, with the machine's Go toolchain and module cache, cached by a
// hash of the module's source (every .go file, go.mod, go.sum), the package's place in it and
// the Go version. An unchanged source is never rebuilt, so the image that bakes the binary in
// (its hash covers the binary) is never rebuilt either. Host-side and impure: the Pulumi
// program calls it before planning (components/pulumi-config.ts), and `make up` calls it first
// outside the lab's namespace (scripts/build-agent.ts), where the Go module proxy answers.
import { spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileSha256 } from "./plan/image-inputs";

export interface AgentBuild {
    /** The main package's directory, absolute. */
    source: string;
    /** 16 hex digits: the hash of the module's source the binary was built from. */
    sourceHash: string;
    /** The built binary (in the cache). */
    path: string;
    /** sha256 of the binary, hex: how `lab status` tells which build a node runs. */
    sha256: string;
}

/** Why a source did not build: `detail` is the compiler's (or the toolchain's) own message. */
export class AgentBuildError extends Error {
    constructor(readonly source: string, readonly reason: string, readonly detail: string) {
        // The detail indented under the line that names the key (formatProblems' list).
        super(`${reason}${detail ? `:\n${detail.split("\n").map((l) => `        ${l}`).join("\n")}` : ""}`);
    }
}

/** How every agent is built: static, stripped, reproducible (no paths, no VCS stamp). Part of the hash. */
const BUILD_FLAGS = ["-trimpath", "-buildvcs=false", "-ldflags=-s -w"];

/** A build that failed as a configuration problem: the key, its value, the compiler's message, the fix. */
export function agentBuildProblem(source: string, e: AgentBuildError): { key: string; value: string; problem: string; fix: string } {
    return {
        key: "nodeAgentSource", value: source, problem: e.message,
        fix: "correct the source (the message above is the Go toolchain's), or point nodeAgentSource at a Go main package, or pulumi config rm nodeAgentSource",
    };
}

/** What a package's build reads besides go.mod and go.sum: Go, assembly, cgo's C, prebuilt objects. */
const SOURCE_FILE = /\.(go|s|S|c|h|syso)$/;

/** Directories a module's build never reads. */
const SKIPPED_DIRS = new Set([".git", "node_modules", "testdata"]);

/** The directory holding go.mod, from `dir` upwards; undefined outside any module. */
export function moduleRoot(dir: string): string | undefined {
    for (let d = path.resolve(dir); ; d = path.dirname(d)) {
        if (fs.existsSync(path.join(d, "go.mod"))) return d;
        if (path.dirname(d) === d) return undefined;
    }
}

/**
 * The module's files a build reads: its Go (and assembly, C, .syso) files, go.mod and go.sum,
 * relative and sorted. Files pulled in by //go:embed and modules replaced by a local path are
 * not counted: a change to them alone is not a new build.
 */
export function moduleFiles(root: string): string[] {
    const found: string[] = [];
    const walk = (rel: string) => {
        for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
            const r = path.join(rel, e.name);
            if (e.isDirectory()) {
                // A nested module is not part of this one.
                if (!SKIPPED_DIRS.has(e.name) && !fs.existsSync(path.join(root, r, "go.mod"))) walk(r);
            } else if (e.isFile() && (SOURCE_FILE.test(e.name) || e.name === "go.mod" || e.name === "go.sum")) {
                found.push(r);
            }
        }
    };
    walk("");
    return found.sort();
}

/** The source hash: each file's name and content, the package's path in the module, the Go version. */
export function sourceHash(files: { name: string; content: Buffer }[], packagePath: string, goVersion: string): string {
    const h = crypto.createHash("sha256").update(`package ${packagePath}\n${goVersion}\n${BUILD_FLAGS.join(" ")}\n`);
    for (const f of files) h.update(`${f.name}\n${f.content.length}\n`).update(f.content);
    return h.digest("hex").slice(0, 16);
}

function go(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
    return spawnSync("go", args, { cwd, encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
}

/**
 * The agent built from `source` (a main package's directory), found in `cacheDir`/agents when
 * built before. Throws AgentBuildError naming what went wrong, with the compiler's output.
 */
export function buildNodeAgent(source: string, cacheDir: string): AgentBuild {
    const dir = path.resolve(source);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new AgentBuildError(dir, "is not a directory", "");
    const root = moduleRoot(dir);
    if (!root) throw new AgentBuildError(dir, "is not inside a Go module (no go.mod in it or above it)", "");
    const version = go(["env", "GOVERSION"], dir);
    if (version.error || version.status !== 0) {
        throw new AgentBuildError(dir, "needs the Go toolchain, which did not run (go env GOVERSION)",
            version.error ? String(version.error.message) : version.stderr.trim());
    }
    const pkg = path.relative(root, dir) || ".";
    const files = moduleFiles(root).map((name) => ({ name, content: fs.readFileSync(path.join(root, name)) }));
    const hash = sourceHash(files, pkg, version.stdout.trim());
    const outDir = path.join(cacheDir, "agents", `go-${hash}`);
    const out = path.join(outDir, "node-agent");
    if (!fs.existsSync(out)) {
        fs.mkdirSync(path.dirname(outDir), { recursive: true });
        const tmp = fs.mkdtempSync(path.join(path.dirname(outDir), `.go-${hash}.`));
        try {
            // GOWORK=off: the module alone, as hashed, whatever go.work lies above it.
            const r = go(["build", ...BUILD_FLAGS, "-o", path.join(tmp, "node-agent"), `./${pkg}`], root, { CGO_ENABLED: "0", GOWORK: "off" });
            if (r.error || r.status !== 0) {
                throw new AgentBuildError(dir, `did not build (go build ./${pkg} in ${root})`, (r.stderr || String(r.error?.message ?? "")).trim());
            }
            try {
                fs.renameSync(tmp, outDir);
            } catch (e) {
                if (!fs.existsSync(out)) throw e; // else another build of the same source won the race
            }
        } finally {
            fs.rmSync(tmp, { recursive: true, force: true });
        }
    }
    return { source: dir, sourceHash: hash, path: out, sha256: fileSha256(out) };
}
