// ClusterSecrets: the cluster-wide secrets, random and kept as Pulumi secrets end to end.
import * as pulumi from "@pulumi/pulumi";
import { RandomBytes } from "./providers/random-bytes";
import { SshKeyPair } from "./providers/ssh-key-pair";
import { PrivateKey, SelfSignedCert } from "./providers/tls";

/** The Kubernetes CA lives ten years: a lab cluster or a machine installed from its image never outlives it. */
const CA_VALIDITY_HOURS = 10 * 365 * 24;

export class ClusterSecrets extends pulumi.ComponentResource {
    /** base64 of munge's 1024-byte key. */
    readonly mungeKey: pulumi.Output<string>;
    /** 32 random bytes, hex: K3s's token, and upstream's bootstrap token cut from it. */
    readonly kubernetesToken: pulumi.Output<string>;
    /** The upstream Kubernetes cluster CA (kubernetes=upstream only). */
    readonly kubernetesCa?: pulumi.Output<{ certPem: string; keyPem: string }>;
    /** Shared key of the ClusterOS node agents. */
    readonly clusterKey: pulumi.Output<string>;
    /** The stack's SSH key for configuring nodes. */
    readonly automationPrivateKey: pulumi.Output<string>;
    readonly automationPublicKey: pulumi.Output<string>;

    constructor(name: string, comment: string, kubernetesCa: boolean, opts?: pulumi.ComponentResourceOptions) {
        super("clusteros:lab:ClusterSecrets", name, {}, opts);
        const o = { parent: this };
        // The providers mark these outputs secret in state; pulumi.secret keeps them secret
        // in the program too, whatever a provider does.
        this.mungeKey = pulumi.secret(new RandomBytes(`${name}-munge-key`, { length: 1024, encoding: "base64" }, o).value);
        // Named as when K3s was the only distribution: renaming would make a new token.
        this.kubernetesToken = pulumi.secret(new RandomBytes(`${name}-k3s-token`, { length: 32, encoding: "hex" }, o).value);
        if (kubernetesCa) {
            const caKey = new PrivateKey(`${name}-kubernetes-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, o);
            const caCert = new SelfSignedCert(`${name}-kubernetes-ca`, {
                privateKeyPem: caKey.privateKeyPem,
                subject: { commonName: "kubernetes" },
                validityPeriodHours: CA_VALIDITY_HOURS,
                isCaCertificate: true,
                allowedUses: ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"],
            }, o);
            this.kubernetesCa = pulumi.secret(pulumi.all([caCert.certPem, caKey.privateKeyPem])
                .apply(([certPem, keyPem]) => ({ certPem, keyPem })));
        }
        this.clusterKey = pulumi.secret(new RandomBytes(`${name}-cluster-key`, { length: 32, encoding: "hex" }, o).value);
        const key = new SshKeyPair(`${name}-automation-key`, { comment }, o);
        this.automationPrivateKey = pulumi.secret(key.privateKey);
        this.automationPublicKey = key.publicKey;
        this.registerOutputs({});
    }
}
