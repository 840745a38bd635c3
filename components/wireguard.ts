// WireGuardMesh: one X25519 key pair per node. The private key is 32 random bytes
// (a secret) clamped as X25519 requires; the public key is derived with node:crypto.
// Keys are keyed by node number, so adding a node creates only that node's key.
import * as pulumi from "@pulumi/pulumi";
import { RandomBytes } from "./providers/random-bytes";
import { wireguardPrivateKey, wireguardPublicKey } from "./plan/x25519";

export interface WireGuardKey {
    privateKey: pulumi.Output<string>;
    publicKey: pulumi.Output<string>;
}

export class WireGuardMesh extends pulumi.ComponentResource {
    /** keys[i] belongs to node i + 1. */
    readonly keys: WireGuardKey[];

    constructor(name: string, nodeCount: number, opts?: pulumi.ComponentResourceOptions) {
        super("clusteros:lab:WireGuardMesh", name, {}, opts);
        this.keys = Array.from({ length: nodeCount }, (_, i) => {
            const seed = new RandomBytes(`${name}-node-${i + 1}-key`, { length: 32, encoding: "base64" }, { parent: this });
            const privateKey = pulumi.secret(seed.value.apply(wireguardPrivateKey));
            const publicKey = pulumi.unsecret(privateKey.apply(wireguardPublicKey));
            return { privateKey, publicKey };
        });
        this.registerOutputs({ publicKeys: this.keys.map((k) => k.publicKey) });
    }
}
