// `make up` and `make image` (`lab up`, `lab image`; scripts/up.sh and scripts/image.sh are
// their shims), where this machine's mode puts the lab (lab/mode.ts): host mode uses the
// running system libvirt as it is; namespace mode starts the lab's own daemon in its namespace
// when needed and runs Pulumi inside it.
//   1. what the image is built from (imageInputs), built or found in the cache first, outside
//      any namespace: the Debian base (it needs apt), the node agent from nodeAgentSource and,
//      with kubernetes=upstream, the Kubernetes bundle (both may need the Go module proxy);
//   2. the daemon (lab/daemon.ts), then what an interrupted up left (lab/recover.ts: stale
//      lock, orphans, pending creates), as LabCluster.up does too;
//   3. pulumi up --refresh: drift (a node powered off, crashed or undefined) is repaired;
//   4. up only: it ends when every node is healthy by the definition of `lab status`.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { AgentBuildError, agentBuildProblem, buildNodeAgent } from "../components/node-agent-build";
import { formatProblems } from "../components/plan/config";
import { cacheDir, PROJECT_ROOT } from "../components/plan/paths";
import { programDir, projectName } from "../components/program-dir";
import { ensure, log } from "./daemon";
import { ModeError, runInPlace } from "./mode";
import { StepFailed, withProgress } from "./progress";
import { recoverNamed } from "./recover";

/**
 * A stack's settings, read once (`pulumi config --json`): key -> the value as `pulumi config
 * get` prints it; "" when it is not set. Secrets stay hidden: none is needed here. Settings
 * that cannot be read (no such stack, a stack file that is not valid YAML) stop the run before
 * anything is fetched or built: read as none, they would mean the default image flavor, whose
 * first step downloads Ubuntu's cloud image.
 */
function stackConfig(stack: string): (key: string) => string {
    const r = spawnSync("pulumi", ["config", "--json", "--stack", stack], { cwd: programDir(), encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    let all: Record<string, { value?: string }> | undefined;
    try { all = r.status === 0 ? JSON.parse(r.stdout) : undefined; } catch { /* said below */ }
    if (!all) {
        const why = (r.stderr ?? "").trim() || r.error?.message || `exit ${r.status}`;
        throw new StepFailed(`the settings of stack ${stack} could not be read (pulumi config --json --stack ${stack}): ${why}\n` +
            `pulumi stack ls lists the stacks; pulumi stack init ${stack} makes one; a Pulumi.${stack}.yaml that is not valid YAML is fixed by hand`);
    }
    return (key) => all[`${projectName()}:${key}`]?.value ?? "";
}

/** What the stack's image is built from, built or found in the cache (outside any namespace). */
export async function imageInputs(stack: string): Promise<void> {
    const config = stackConfig(stack);
    const flavor = config("imageFlavor");
    if (flavor === "debian-12") {
        // imageExtraPackages go into the Debian base, sorted and once each as the image's recipe has them.
        const extra = (() => { try { return [...new Set(JSON.parse(config("imageExtraPackages") || "[]") as string[])].sort(); } catch { return []; } })();
        await withProgress("the Debian base (mmdebstrap)", "debian-base", [path.join(PROJECT_ROOT, "images", "debian", "build-base.sh"),
            ...(extra.length > 0 ? ["--extra-packages", extra.join(",")] : [])]);
    } else if ((flavor === "ubuntu-24.04" || flavor === "") && !config("imagePath")) {
        const r = spawnSync(path.join(PROJECT_ROOT, "images", "ubuntu", "fetch.sh"), [], { stdio: ["ignore", "ignore", "inherit"] });
        if (r.status !== 0) throw new StepFailed("the Ubuntu cloud image could not be fetched (images/ubuntu/fetch.sh)");
    }
    const source = config("nodeAgentSource");
    if (source) {
        try {
            buildNodeAgent(source, cacheDir());
        } catch (e) {
            if (!(e instanceof AgentBuildError)) throw e;
            throw new StepFailed(`${formatProblems(projectName(), [agentBuildProblem(source, e)])}\nthe node agent (nodeAgentSource) did not build: see above`);
        }
    }
    if (config("kubernetes") === "upstream") {
        await withProgress("the Kubernetes bundle (Go builds)", "kubernetes-bundle", [path.join(PROJECT_ROOT, "scripts", "kubernetes.sh"), "build"]);
    }
}

/** Steps 1 and 2: the image's inputs, the daemon, and what an interrupted run left. */
async function prepare(stack: string): Promise<void> {
    await imageInputs(stack);
    ensure();
    await recoverNamed(stack);
}

/** `lab up STACK`: the stack converged and healthy; its exit code. */
export async function up(stack: string, readySeconds: number, waitHealthy: (stack: string, seconds: number) => Promise<number>): Promise<number> {
    await prepare(stack);
    const code = runInPlace(["pulumi", "up", "--stack", stack, "--yes", "--skip-preview", "--refresh"], process.env, programDir());
    if (code !== 0) return code;
    log(`waiting until every node of ${stack} is healthy (lab status, at most ${readySeconds}s)`);
    if (await waitHealthy(stack, readySeconds) !== 0) {
        throw new ModeError(`stack ${stack} is up but not healthy after ${readySeconds}s: see the table above, make logs STACK=${stack} N=<node>`);
    }
    return 0;
}

/**
 * `lab image STACK`: the stack's node image built or found, and nothing else created (no pool,
 * network or node): a targeted update of the stack's NodeImage and the Packer command under
 * it, so the image is the very one make up uses, and make up finds it built. Prints its path
 * and content hash.
 */
export async function image(stack: string): Promise<number> {
    await prepare(stack);
    const urn = `urn:pulumi:${stack}::${projectName()}`;
    const code = runInPlace(["pulumi", "up", "--stack", stack, "--yes", "--skip-preview",
        "--target", `${urn}::clusteros:lab:Cluster::*`, "--target", `${urn}::**clusteros:lab:NodeImage**`], process.env, programDir());
    if (code !== 0) return code;
    const state = JSON.parse(spawnSync("pulumi", ["stack", "export", "--stack", stack], { cwd: programDir(), encoding: "utf8", maxBuffer: 1 << 28 }).stdout || "{}");
    const node = ((state.deployment?.resources ?? []) as { type: string; outputs?: { imagePath?: string; hash?: string } }[])
        .find((r) => r.type === "clusteros:lab:NodeImage");
    if (!node?.outputs?.imagePath) throw new ModeError("no image in the stack state after the update");
    console.log(`image: ${node.outputs.imagePath}`);
    if (node.outputs.hash) console.log(`hash:  ${node.outputs.hash}`);
    return 0;
}
