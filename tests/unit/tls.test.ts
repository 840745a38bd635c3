// The Kubernetes CA's dynamic providers (components/providers/tls.ts), their create() called
// as the Pulumi engine would, the results checked with node:crypto. Needs openssl.
import { execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it, vi } from "vitest";

/** What each resource hands pulumi.dynamic.Resource: its provider, name, inputs and options. */
const made = vi.hoisted(() => [] as { provider: pulumi.dynamic.ResourceProvider; name: string; props: Record<string, unknown>; opts?: pulumi.CustomResourceOptions }[]);

vi.mock("@pulumi/pulumi", async (importOriginal) => {
    const actual = await importOriginal<typeof import("@pulumi/pulumi")>();
    class Resource {
        constructor(provider: pulumi.dynamic.ResourceProvider, name: string, props: Record<string, unknown>, opts?: pulumi.CustomResourceOptions) {
            made.push({ provider, name, props, opts });
        }
    }
    return { ...actual, dynamic: { ...actual.dynamic, Resource } };
});

const CA_USES = ["cert_signing", "crl_signing", "digital_signature", "key_encipherment"];

describe("the tls providers", () => {
    let keyProvider: pulumi.dynamic.ResourceProvider;
    let certProvider: pulumi.dynamic.ResourceProvider;
    let keyOpts: pulumi.CustomResourceOptions | undefined;

    beforeAll(async () => {
        const { PrivateKey, SelfSignedCert } = await import("../../components/providers/tls");
        new PrivateKey("ca-key", { algorithm: "ECDSA", ecdsaCurve: "P256" });
        new SelfSignedCert("ca", { privateKeyPem: "x", subject: { commonName: "kubernetes" }, validityPeriodHours: 1, isCaCertificate: true, allowedUses: [] });
        const key = made.find((m) => m.name === "ca-key")!;
        keyProvider = key.provider;
        keyOpts = key.opts;
        certProvider = made.find((m) => m.name === "ca")!.provider;
    });

    const newKey = async () => (await keyProvider.create({ algorithm: "ECDSA", ecdsaCurve: "P256" })).outs as { privateKeyPem: string; publicKeyPem: string };
    const newCert = async (privateKeyPem: string, over: Record<string, unknown> = {}) => (await certProvider.create({
        privateKeyPem, subject: { commonName: "kubernetes" }, validityPeriodHours: 87600, isCaCertificate: true, allowedUses: CA_USES, ...over,
    }));

    it("makes a P-256 key whose public half is the one it reports, and keeps the private half secret in state", async () => {
        const { privateKeyPem, publicKeyPem } = await newKey();
        const priv = crypto.createPrivateKey(privateKeyPem);
        expect(priv.asymmetricKeyType).toBe("ec");
        expect(priv.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
        expect(crypto.createPublicKey(priv).export({ type: "spki", format: "pem" })).toBe(publicKeyPem);
        expect((await newKey()).privateKeyPem).not.toBe(privateKeyPem);
        expect(keyOpts?.additionalSecretOutputs).toContain("privateKeyPem");
    });

    it("self-signs a ten-year CA certificate for the key, subject CN=kubernetes", async () => {
        const { privateKeyPem } = await newKey();
        const before = Date.now();
        const { id, outs } = await newCert(privateKeyPem);
        const cert = new crypto.X509Certificate(outs.certPem);
        expect(cert.ca).toBe(true);
        expect(cert.checkPrivateKey(crypto.createPrivateKey(privateKeyPem))).toBe(true);
        expect(cert.verify(crypto.createPublicKey(privateKeyPem))).toBe(true);
        expect(cert.subject).toBe("CN=kubernetes");
        expect(cert.issuer).toBe("CN=kubernetes");
        const from = Date.parse(cert.validFrom);
        const to = Date.parse(cert.validTo);
        expect(Math.abs(from - before)).toBeLessThan(5 * 60_000);
        // 87600 h = 3650 days; openssl counts whole days.
        expect(Math.abs((to - from) / 3600_000 - 87600)).toBeLessThanOrEqual(24);
        expect(outs.validityEndTime).toBe(new Date(to).toISOString());
        expect(id).toBe(cert.serialNumber);
    });

    it("puts the asked uses in the certificate", async () => {
        const { privateKeyPem } = await newKey();
        const { outs } = await newCert(privateKeyPem);
        const text = execFileSync("openssl", ["x509", "-noout", "-ext", "keyUsage,basicConstraints"], { input: outs.certPem, encoding: "utf8" });
        expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Key Encipherment, Certificate Sign, CRL Sign\n/);
        expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE\n/);
        const leaf = new crypto.X509Certificate((await newCert(privateKeyPem, { isCaCertificate: false, allowedUses: ["server_auth"] })).outs.certPem);
        expect(leaf.ca).toBe(false);
        expect(leaf.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]);
    });

    it("refuses a use it does not know instead of leaving it out", async () => {
        const { privateKeyPem } = await newKey();
        await expect(newCert(privateKeyPem, { allowedUses: ["cert_signing", "code_signing"] })).rejects.toThrow(/unknown allowedUses code_signing/);
    });

    it("replaces the certificate when the key or the subject changes, and not otherwise", async () => {
        const old = { privateKeyPem: "a", subject: { commonName: "kubernetes" }, validityPeriodHours: 87600, isCaCertificate: true, allowedUses: CA_USES };
        expect(await certProvider.diff!("id", old, { ...old })).toEqual({ changes: false, replaces: [] });
        expect((await certProvider.diff!("id", old, { ...old, privateKeyPem: "b" })).replaces).toEqual(["privateKeyPem"]);
        expect((await certProvider.diff!("id", old, { ...old, subject: { commonName: "other" } })).replaces).toEqual(["subject"]);
    });
});
