// PrivateKey and SelfSignedCert: the cluster's Kubernetes CA, its key a Pulumi secret.
// Dynamic providers shaped like @pulumi/tls's resources of the same names (the inputs and
// outputs used here), so switching to that package is an import change; the Go module
// proxy here serves no Pulumi provider. The key is made with node:crypto, the certificate
// with openssl, the key reaching it on stdin only.
import * as pulumi from "@pulumi/pulumi";

export interface PrivateKeyArgs {
    algorithm: "ECDSA";
    ecdsaCurve: "P256";
}

const keyProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: PrivateKeyArgs) {
        const crypto = require("node:crypto");
        const { privateKey, publicKey } = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" });
        const privateKeyPem = privateKey.export({ type: "sec1", format: "pem" });
        const publicKeyPem = publicKey.export({ type: "spki", format: "pem" });
        const id = crypto.createHash("sha1").update(publicKeyPem).digest("hex");
        return { id, outs: { ...inputs, privateKeyPem, publicKeyPem } };
    },
    async diff(_id: string, olds: PrivateKeyArgs, news: PrivateKeyArgs) {
        const replaces = (["algorithm", "ecdsaCurve"] as const).filter((k) => olds[k] !== news[k]);
        return { changes: replaces.length > 0, replaces };
    },
};

export class PrivateKey extends pulumi.dynamic.Resource {
    declare readonly privateKeyPem: pulumi.Output<string>;
    declare readonly publicKeyPem: pulumi.Output<string>;

    constructor(name: string, args: PrivateKeyArgs, opts?: pulumi.CustomResourceOptions) {
        super(keyProvider, name, { ...args, privateKeyPem: undefined, publicKeyPem: undefined },
            { ...opts, additionalSecretOutputs: ["privateKeyPem"] }, "clusteros", "PrivateKey");
    }
}

export interface SelfSignedCertArgs {
    privateKeyPem: pulumi.Input<string>;
    subject: pulumi.Input<{ commonName: string }>;
    validityPeriodHours: pulumi.Input<number>;
    isCaCertificate: pulumi.Input<boolean>;
    allowedUses: pulumi.Input<pulumi.Input<string>[]>;
}

interface CertInputs {
    privateKeyPem: string;
    subject: { commonName: string };
    validityPeriodHours: number;
    isCaCertificate: boolean;
    allowedUses: string[];
}

/** @pulumi/tls's use names, as openssl's keyUsage and extendedKeyUsage call them. */
const KEY_USAGE: Record<string, string> = {
    cert_signing: "keyCertSign", crl_signing: "cRLSign", digital_signature: "digitalSignature", key_encipherment: "keyEncipherment",
};
const EXTENDED_USAGE: Record<string, string> = { server_auth: "serverAuth", client_auth: "clientAuth" };

const certProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: CertInputs) {
        const { execFileSync } = require("node:child_process");
        const crypto = require("node:crypto");
        const unknown = inputs.allowedUses.filter((u) => !KEY_USAGE[u] && !EXTENDED_USAGE[u]);
        if (unknown.length) throw new Error(`SelfSignedCert: unknown allowedUses ${unknown.join(", ")}`);
        const usage = inputs.allowedUses.filter((u) => KEY_USAGE[u]).map((u) => KEY_USAGE[u]);
        const extended = inputs.allowedUses.filter((u) => EXTENDED_USAGE[u]).map((u) => EXTENDED_USAGE[u]);
        const argv = [
            "req", "-x509", "-new", "-sha256", "-key", "/dev/stdin", "-subj", `/CN=${inputs.subject.commonName}`,
            "-days", String(Math.ceil(inputs.validityPeriodHours / 24)),
            "-addext", `basicConstraints=critical,CA:${inputs.isCaCertificate ? "TRUE" : "FALSE"}`,
            ...(usage.length ? ["-addext", `keyUsage=critical,${usage.join(",")}`] : []),
            ...(extended.length ? ["-addext", `extendedKeyUsage=${extended.join(",")}`] : []),
        ];
        // Node's child stdin is a socket, which openssl cannot open as /dev/stdin: cat makes it a pipe.
        const certPem = execFileSync("sh", ["-c", 'cat | exec openssl "$@"', "openssl", ...argv], { input: inputs.privateKeyPem, encoding: "utf8" });
        const cert = new crypto.X509Certificate(certPem);
        return {
            id: cert.serialNumber,
            outs: { ...inputs, certPem, validityStartTime: new Date(cert.validFrom).toISOString(), validityEndTime: new Date(cert.validTo).toISOString() },
        };
    },
    async diff(_id: string, olds: CertInputs, news: CertInputs) {
        const replaces = (["privateKeyPem", "subject", "validityPeriodHours", "isCaCertificate", "allowedUses"] as const)
            .filter((k) => JSON.stringify(olds[k]) !== JSON.stringify(news[k]));
        return { changes: replaces.length > 0, replaces };
    },
};

export class SelfSignedCert extends pulumi.dynamic.Resource {
    declare readonly certPem: pulumi.Output<string>;
    declare readonly validityEndTime: pulumi.Output<string>;

    constructor(name: string, args: SelfSignedCertArgs, opts?: pulumi.CustomResourceOptions) {
        super(certProvider, name, { ...args, certPem: undefined, validityStartTime: undefined, validityEndTime: undefined },
            { ...opts, additionalSecretOutputs: ["privateKeyPem"] }, "clusteros", "SelfSignedCert");
    }
}
