// RemoteCommand: runs a script as root on a node over SSH (with the stack's automation
// key) once the node accepts SSH, and again whenever `triggers` change (an update, not a
// replacement: the node stays); `deleteScript`, when given, runs once when the resource is
// deleted, before its node is (best effort: a node that does not answer is not waited for).
// The private key is a secret input and output.
import * as pulumi from "@pulumi/pulumi";
import { ArgsOf } from "./args";
import { shellQuote, spawnCollect, untilDeadline } from "../exec/spawn";
import { scpArgv, sshArgv } from "../exec/ssh";
import { watchBoot } from "./boot-watch";
import { engineLogger } from "./engine-log";

export interface RemoteCommandInputs {
    host: string;
    user: string;
    privateKey: string;
    /** Bash script, run with sudo; receives nothing on its command line. */
    script: string;
    /** Variables the script runs with (names like NAME_1; values are quoted for the remote shell). */
    environment?: Record<string, string>;
    triggers: string;
    /** How long to wait for SSH and the script together. */
    timeoutSeconds: number;
    logPrefix: string;
    /** A local file copied (scp) to `uploadDestination` on the node before the script runs. */
    uploadSource?: string;
    uploadDestination?: string;
    /** Bash script run with sudo when the resource is deleted (the node still runs then). */
    deleteScript?: string;
    /**
     * The node's serial console log on this host: while SSH does not answer yet, each boot
     * phase the console shows (plan/boot-phase.ts) is a status line on `statusUrn`'s row of
     * Pulumi's display (the resource's own), so `pulumi up` shows where each node's boot is.
     */
    consoleLog?: string;
    statusUrn?: string;
}

/** How long a delete script may take: a node being removed is not waited for long. */
const DELETE_TIMEOUT_SECONDS = 60;

export type RemoteCommandArgs = ArgsOf<RemoteCommandInputs>;

type Target = { user: string; host: string; key: string };

/** fn with the node's SSH target, its private key in a private temporary file removed afterwards. */
async function withTarget<T>(inputs: RemoteCommandInputs, fn: (target: Target, log: (line: string) => void) => Promise<T>): Promise<T> {
    const fs = require("node:fs");
    const os = require("node:os");
    const path = require("node:path");
    // Named after this process, as lab/key-dirs.ts makes them: a provider killed mid-step
    // leaves it, and the next make up's recovery removes it.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `clusteros-key-${process.pid}-`));
    const target = { user: inputs.user, host: inputs.host, key: path.join(dir, "key") };
    fs.writeFileSync(target.key, inputs.privateKey, { mode: 0o600 });
    try {
        return await fn(target, engineLogger(inputs.logPrefix));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The delete script, once; a node that does not answer SSH is left as it is (it is going away). */
async function runDelete(inputs: RemoteCommandInputs): Promise<void> {
    if (!inputs.deleteScript) return;
    await withTarget(inputs, async (target, log) => {
        const r = await spawnCollect(["timeout", String(DELETE_TIMEOUT_SECONDS), ...sshArgv(target, "batch", ["sudo", "bash", "-s"])],
            { input: inputs.deleteScript, onLine: log });
        if (r.code !== 0) log(`the delete script did not finish (exit ${r.code}); the node is removed anyway`);
    });
}

function run(inputs: RemoteCommandInputs): Promise<string> {
    return withTarget(inputs, async (target, log) => {
        const deadline = Date.now() + inputs.timeoutSeconds * 1000;
        let last = "";
        // The console is watched from now on, and shown each second from the second second on:
        // a node that runs already answers SSH sooner, and has no boot to show.
        const boot = inputs.consoleLog ? watchBoot(inputs.consoleLog, engineLogger(inputs.logPrefix, { urn: inputs.statusUrn, ephemeral: true })) : undefined;
        let ticker: ReturnType<typeof setInterval> | undefined;
        const start = boot ? setTimeout(() => { boot.poll(); ticker = setInterval(() => boot.poll(), 1000); }, 2000) : undefined;
        const up = await untilDeadline(deadline, 5000, async () => {
            const probe = await spawnCollect(sshArgv(target, "batch", ["true"]));
            last = probe.output.trim();
            return probe.code === 0 ? true : undefined;
        }).finally(() => { clearTimeout(start); clearInterval(ticker); });
        if (!up) throw new Error(`${inputs.host} did not accept SSH within ${inputs.timeoutSeconds}s${boot?.phase() ? ` (its console's last boot phase: ${boot.phase()})` : ""}: ${last}`);
        if (inputs.uploadSource && inputs.uploadDestination) {
            const copy = await spawnCollect(scpArgv(target, inputs.uploadSource, inputs.uploadDestination));
            if (copy.code !== 0) {
                throw new Error(`copying ${inputs.uploadSource} to ${inputs.host} failed: ${copy.output.trim()}`);
            }
        }
        // ssh hands the remote shell one command line: each value is quoted for it.
        const env = Object.entries(inputs.environment ?? {}).map(([k, v]) => {
            if (!/^[A-Z_][A-Z0-9_]*$/.test(k)) throw new Error(`environment variable name ${JSON.stringify(k)} is not NAME_1 style`);
            return `${k}=${shellQuote(v)}`;
        });
        // One script at a time per node: a run orphaned by an interrupted `up` keeps going on
        // the node after its ssh client died; the next run waits for it instead of racing it.
        const remote = sshArgv(target, "batch", ["sudo", "flock", "-w", String(inputs.timeoutSeconds), "/run/clusteros-lab.lock",
            ...(env.length ? ["env", ...env] : []), "bash", "-s"]);
        // On first boot cloud-init regenerates the host keys and restarts sshd, so a node that
        // just answered the probe may refuse the next connection: exit code 255 is ssh's own
        // failure (the scripts are idempotent and exit 1 on their errors), so try again.
        let result = { code: 255, output: "" };
        await untilDeadline(deadline, 5000, async () => {
            result = await spawnCollect(remote, { input: inputs.script, onLine: log });
            return result.code === 255 ? undefined : result;
        });
        if (result.code !== 0) {
            const tail = result.output.trim().split("\n").slice(-20).join("\n");
            throw new Error(`script on ${inputs.host} failed with exit code ${result.code}:\n${tail}`);
        }
        return result.output.trim().split("\n").slice(-10).join("\n");
    });
}

/** What the script does changed: its trigger, its text or its environment. */
function rerunNeeded(olds: RemoteCommandInputs, news: RemoteCommandInputs): boolean {
    return olds.triggers !== news.triggers || olds.script !== news.script
        || JSON.stringify(olds.environment ?? {}) !== JSON.stringify(news.environment ?? {});
}

const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: RemoteCommandInputs) {
        const stdoutTail = await run(inputs);
        return { id: require("node:crypto").randomUUID(), outs: { ...inputs, stdoutTail } };
    },
    async diff(_id: string, olds: RemoteCommandInputs, news: RemoteCommandInputs) {
        const replaces = olds.host !== news.host ? ["host"] : [];
        const changes = replaces.length > 0 || rerunNeeded(olds, news)
            || olds.user !== news.user || olds.privateKey !== news.privateKey;
        return { changes, replaces, deleteBeforeReplace: true };
    },
    async update(_id: string, olds: RemoteCommandInputs, news: RemoteCommandInputs) {
        const rerun = rerunNeeded(olds, news);
        const stdoutTail = rerun ? await run(news) : (olds as RemoteCommandInputs & { stdoutTail: string }).stdoutTail;
        return { outs: { ...news, stdoutTail } };
    },
    async delete(_id: string, props: RemoteCommandInputs) {
        await runDelete(props);
    },
};

export class RemoteCommand extends pulumi.dynamic.Resource {
    /** Its type in Pulumi's state and URNs. */
    static readonly TYPE = "pulumi-nodejs:dynamic/clusteros:RemoteCommand";
    declare readonly stdoutTail: pulumi.Output<string>;

    constructor(name: string, args: RemoteCommandArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { ...args, stdoutTail: undefined }, { ...opts, additionalSecretOutputs: ["privateKey"] },
            "clusteros", "RemoteCommand");
    }
}
