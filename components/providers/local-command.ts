// LocalCommand: runs a shell command on the machine running Pulumi when created, and again
// (as a replacement) whenever `triggers` change. Output streams into Pulumi's log and the
// last lines are kept as `stdoutTail`. Used for the Packer image build.
import * as pulumi from "@pulumi/pulumi";
import { spawnCollect } from "../exec/spawn";
import { engineLogger } from "./engine-log";

export interface LocalCommandInputs {
    /** Shell command (bash -c). */
    create: string;
    /** Replacing the resource (re-running) happens when this changes. */
    triggers: string;
    /** Prefix for streamed log lines. */
    logPrefix: string;
    environment?: Record<string, string>;
}

export interface LocalCommandArgs {
    create: pulumi.Input<string>;
    triggers: pulumi.Input<string>;
    logPrefix: pulumi.Input<string>;
    environment?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: LocalCommandInputs) {
        const crypto = require("node:crypto");
        const log = engineLogger(inputs.logPrefix);
        const tail: string[] = [];
        const { code } = await spawnCollect(["bash", "-c", inputs.create], {
            env: inputs.environment,
            onLine: (line) => {
                log(line);
                tail.push(line);
                if (tail.length > 40) tail.shift();
            },
        });
        if (code !== 0) {
            throw new Error(`command failed with exit code ${code}:\n${tail.slice(-15).join("\n")}`);
        }
        return { id: crypto.randomUUID(), outs: { ...inputs, stdoutTail: tail.slice(-10).join("\n") } };
    },
    async diff(_id: string, olds: LocalCommandInputs, news: LocalCommandInputs) {
        const replaces = olds.triggers !== news.triggers || olds.create !== news.create ? ["triggers"] : [];
        const changes = replaces.length > 0 || olds.logPrefix !== news.logPrefix;
        return { changes, replaces, deleteBeforeReplace: false };
    },
    async update(_id: string, _olds: LocalCommandInputs, news: LocalCommandInputs) {
        return { outs: { ...news } };
    },
};

export class LocalCommand extends pulumi.dynamic.Resource {
    declare readonly stdoutTail: pulumi.Output<string>;

    constructor(name: string, args: LocalCommandArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { ...args, stdoutTail: undefined }, opts, "clusteros", "LocalCommand");
    }
}
