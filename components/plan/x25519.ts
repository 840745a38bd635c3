// X25519 key handling for WireGuard with node:crypto. Pure.
import { createPrivateKey, createPublicKey } from "node:crypto";

/** Clamps 32 random bytes into an X25519 private scalar (RFC 7748, section 5). */
export function clampPrivateKey(random: Buffer): Buffer {
    if (random.length !== 32) {
        throw new RangeError(`an X25519 private key has 32 bytes, not ${random.length}`);
    }
    const k = Buffer.from(random);
    k[0] &= 248;
    k[31] &= 127;
    k[31] |= 64;
    return k;
}

/** WireGuard private key (base64) from 32 random bytes (base64). */
export function wireguardPrivateKey(randomBase64: string): string {
    return clampPrivateKey(Buffer.from(randomBase64, "base64")).toString("base64");
}

/** The public key (base64) of an X25519 private key (base64), as `wg pubkey` prints it. */
export function wireguardPublicKey(privateBase64: string): string {
    const d = Buffer.from(privateBase64, "base64");
    if (d.length !== 32) {
        throw new RangeError("a WireGuard private key is 32 bytes of base64");
    }
    const priv = createPrivateKey({
        key: { kty: "OKP", crv: "X25519", d: d.toString("base64url"), x: "" },
        format: "jwk",
    });
    const jwk = createPublicKey(priv).export({ format: "jwk" });
    return Buffer.from(jwk.x as string, "base64url").toString("base64");
}
