// SshKeyPair: an ed25519 key pair made with ssh-keygen, private half a Pulumi secret.
// The stack's automation key: Pulumi uses it to configure nodes over SSH.
import * as pulumi from "@pulumi/pulumi";

export interface SshKeyPairArgs {
    comment: string;
}

const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: SshKeyPairArgs) {
        const fs = require("node:fs");
        const os = require("node:os");
        const path = require("node:path");
        const { execFileSync } = require("node:child_process");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "clusteros-key-"));
        try {
            const file = path.join(dir, "id_ed25519");
            execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", inputs.comment, "-f", file]);
            const privateKey = fs.readFileSync(file, "utf8");
            const publicKey = fs.readFileSync(`${file}.pub`, "utf8").trim();
            const fingerprint = execFileSync("ssh-keygen", ["-l", "-f", `${file}.pub`], { encoding: "utf8" }).trim();
            return { id: fingerprint.split(" ")[1], outs: { ...inputs, privateKey, publicKey } };
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    },
    async diff(_id: string, olds: SshKeyPairArgs, news: SshKeyPairArgs) {
        const changes = olds.comment !== news.comment;
        return { changes, replaces: changes ? ["comment"] : [] };
    },
};

export class SshKeyPair extends pulumi.dynamic.Resource {
    declare readonly privateKey: pulumi.Output<string>;
    declare readonly publicKey: pulumi.Output<string>;

    constructor(name: string, args: SshKeyPairArgs, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { ...args, privateKey: undefined, publicKey: undefined },
            { ...opts, additionalSecretOutputs: ["privateKey"] }, "clusteros", "SshKeyPair");
    }
}
