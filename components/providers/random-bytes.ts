// RandomBytes: cryptographically random bytes kept in Pulumi state as a secret.
// A dynamic provider: the offline module proxy here does not serve pulumi-random's
// provider, and this is all the cluster needs from it (see docs/INSTALL_TOOLS.md).
import * as pulumi from "@pulumi/pulumi";

export interface RandomBytesArgs {
    /** Number of random bytes. */
    length: number;
    encoding: "base64" | "hex";
}

const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: RandomBytesArgs) {
        const crypto = require("node:crypto");
        const value = crypto.randomBytes(inputs.length).toString(inputs.encoding);
        return { id: crypto.randomUUID(), outs: { ...inputs, value } };
    },
    async diff(_id: string, olds: RandomBytesArgs, news: RandomBytesArgs) {
        const replaces = (["length", "encoding"] as const).filter((k) => olds[k] !== news[k]);
        return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
    },
};

export class RandomBytes extends pulumi.dynamic.Resource {
    declare readonly value: pulumi.Output<string>;

    constructor(name: string, args: RandomBytesArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { ...args, value: undefined }, { ...opts, additionalSecretOutputs: ["value"] },
            "clusteros", "RandomBytes");
    }
}
