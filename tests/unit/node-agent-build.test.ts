// nodeAgentSource: the node agent built from a Go main package, cached by its source, and a
// source that does not build refused with the compiler's message before anything is created.
// Builds for real with the machine's Go toolchain (the fixture has no dependencies: offline).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AgentBuildError, buildNodeAgent } from "../../components/node-agent-build";
import { withBuiltAgent } from "../../components/pulumi-config";
import { ConfigError } from "../../components/plan/config";
import { config } from "./helpers";

const FIXTURE = path.join(__dirname, "..", "e2e", "fixtures", "node-agent-go");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "agent-build-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** A copy of the fixture module to change, and a cache of its own. */
function copyOfFixture(name: string): { main: string; cache: string } {
    const dir = path.join(scratch, name);
    fs.cpSync(FIXTURE, path.join(dir, "src"), { recursive: true });
    return { main: path.join(dir, "src", "cmd", "node-agent"), cache: path.join(dir, "cache") };
}

function problemsOf(fn: () => unknown): string[] {
    try {
        fn();
        return [];
    } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return e.problems.map((p) => `${p.key}: ${p.problem} -> ${p.fix}`);
    }
}

describe("buildNodeAgent", () => {
    const { main, cache } = copyOfFixture("a");
    const first = buildNodeAgent(main, cache);

    it("builds a static binary that runs as the agent", () => {
        expect(first.path).toBe(path.join(cache, "agents", `go-${first.sourceHash}`, "node-agent"));
        // It runs until stopped: its first lines, then it is killed.
        const r = spawnSync(first.path, [], { encoding: "utf8", env: { CLUSTEROS_NODE_ID: "n1", CLUSTEROS_CLUSTER_KEY: "abcdef" }, timeout: 2000, killSignal: "SIGKILL" });
        expect(r.stdout).toContain("starting: node=n1 roles=none key=abcd...");
        expect(r.stdout).toContain("heartbeat");
    }, 60_000);

    it("runs as the fixture's agent does without a cluster key: it fails", () => {
        const r = spawnSync(first.path, [], { encoding: "utf8", env: {}, timeout: 5000 });
        expect(r.status).toBe(1);
        expect(r.stderr).toContain("no cluster key");
    });

    it("an unchanged source is not built again", () => {
        const before = fs.statSync(first.path).mtimeMs;
        const again = buildNodeAgent(main, cache);
        expect(again).toEqual(first);
        expect(fs.statSync(again.path).mtimeMs).toBe(before);
    });

    it("the same source gives the same binary in another cache (reproducible)", () => {
        const other = buildNodeAgent(main, path.join(scratch, "other-cache"));
        expect(other.sourceHash).toBe(first.sourceHash);
        expect(other.sha256).toBe(first.sha256);
    }, 60_000);

    it("a changed .go file or go.sum is a new source hash and a new build", () => {
        const changed = copyOfFixture("b");
        fs.appendFileSync(path.join(changed.main, "main.go"), "\n// changed\n");
        expect(buildNodeAgent(changed.main, changed.cache).sourceHash).not.toBe(first.sourceHash);
        const sum = copyOfFixture("c");
        fs.writeFileSync(path.join(sum.main, "..", "..", "go.sum"), "");
        expect(buildNodeAgent(sum.main, sum.cache).sourceHash).not.toBe(first.sourceHash);
    }, 60_000);

    it("a compile error throws with the compiler's message and leaves nothing in the cache", () => {
        const broken = copyOfFixture("d");
        fs.appendFileSync(path.join(broken.main, "main.go"), "\nfunc broken() { nope() }\n");
        let error: unknown;
        try {
            buildNodeAgent(broken.main, broken.cache);
        } catch (e) {
            error = e;
        }
        expect(error).toBeInstanceOf(AgentBuildError);
        expect((error as AgentBuildError).message).toMatch(/did not build[\s\S]*undefined: nope/);
        expect(fs.readdirSync(path.join(broken.cache, "agents"))).toEqual([]);
    }, 60_000);

    it("a directory outside any Go module is refused as such", () => {
        const lone = path.join(scratch, "lone");
        fs.mkdirSync(lone);
        expect(() => buildNodeAgent(lone, path.join(scratch, "lone-cache"))).toThrow(/not inside a Go module/);
    });
});

describe("nodeAgentSource in the configuration", () => {
    const source = "/src/clusteros/node/cmd/node-agent";

    it("is refused together with nodeAgentPath, and when it is not a directory", () => {
        expect(problemsOf(() => config({ nodeAgentSource: source, nodeAgentPath: "/bin/node-agent" }))).toEqual([
            expect.stringMatching(/^nodeAgentSource: is set together with nodeAgentPath .* -> pulumi config rm nodeAgentPath/),
        ]);
        expect(problemsOf(() => config({ nodeAgentSource: "/nowhere" }))).toEqual([
            expect.stringMatching(/^nodeAgentSource: is not an existing directory .* -> pulumi config set nodeAgentSource/),
        ]);
    });

    it("stands for the agent where one is needed: live delivery, membership=agent", () => {
        expect(problemsOf(() => config({ nodeAgentSource: source, nodeAgentDelivery: "live" }))).toEqual([]);
        expect(problemsOf(() => config({ nodeAgentSource: source, membership: "agent", kubernetes: "off" }))).toEqual([]);
        expect(problemsOf(() => config({ membership: "agent", kubernetes: "off" }))).toEqual([
            expect.stringMatching(/^membership: needs a node agent .* neither nodeAgentPath nor nodeAgentSource/),
        ]);
    });

    it("a source that builds becomes the stack's agent binary, with its source hash", () => {
        const { main } = copyOfFixture("e");
        const cfg = withBuiltAgent({ ...config(), nodeAgentSource: main }, "clusteros-lab");
        expect(cfg.nodeAgentPath).toMatch(/agents\/go-[0-9a-f]{16}\/node-agent$/);
        expect(cfg.nodeAgentBuild).toEqual({ source: main, sourceHash: expect.stringMatching(/^[0-9a-f]{16}$/), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    }, 60_000);

    it("a source that does not build is a configuration error naming the key, the compiler's message and the fix", () => {
        const broken = copyOfFixture("f");
        fs.appendFileSync(path.join(broken.main, "main.go"), "\nfunc broken() { nope() }\n");
        expect(problemsOf(() => withBuiltAgent({ ...config(), nodeAgentSource: broken.main }, "clusteros-lab"))).toEqual([
            expect.stringMatching(/^nodeAgentSource: did not build \(go build \.\/cmd\/node-agent in .*\):\n[\s\S]*undefined: nope[\s\S]* -> correct the source/),
        ]);
    }, 60_000);
});
