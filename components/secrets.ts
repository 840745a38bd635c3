// ClusterSecrets: the cluster-wide secrets, random and kept as Pulumi secrets end to end.
import * as pulumi from "@pulumi/pulumi";
import { RandomBytes } from "./providers/random-bytes";
import { SshKeyPair } from "./providers/ssh-key-pair";

export class ClusterSecrets extends pulumi.ComponentResource {
    /** base64 of munge's 1024-byte key. */
    readonly mungeKey: pulumi.Output<string>;
    readonly k3sToken: pulumi.Output<string>;
    /** Shared key of the ClusterOS node agents. */
    readonly clusterKey: pulumi.Output<string>;
    /** The stack's SSH key for configuring nodes. */
    readonly automationPrivateKey: pulumi.Output<string>;
    readonly automationPublicKey: pulumi.Output<string>;

    constructor(name: string, comment: string, opts?: pulumi.ComponentResourceOptions) {
        super("clusteros:lab:ClusterSecrets", name, {}, opts);
        const o = { parent: this };
        // The providers mark these outputs secret in state; pulumi.secret keeps them secret
        // in the program too, whatever a provider does.
        this.mungeKey = pulumi.secret(new RandomBytes(`${name}-munge-key`, { length: 1024, encoding: "base64" }, o).value);
        this.k3sToken = pulumi.secret(new RandomBytes(`${name}-k3s-token`, { length: 32, encoding: "hex" }, o).value);
        this.clusterKey = pulumi.secret(new RandomBytes(`${name}-cluster-key`, { length: 32, encoding: "hex" }, o).value);
        const key = new SshKeyPair(`${name}-automation-key`, { comment }, o);
        this.automationPrivateKey = pulumi.secret(key.privateKey);
        this.automationPublicKey = key.publicKey;
        this.registerOutputs({});
    }
}
