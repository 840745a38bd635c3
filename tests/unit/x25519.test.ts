import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { clampPrivateKey, wireguardPrivateKey, wireguardPublicKey } from "../../components/plan/x25519";

const hex = (h: string) => Buffer.from(h, "hex").toString("base64");

function hasWg(): boolean {
    try {
        execFileSync("wg", ["--version"], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

describe("X25519 for WireGuard", () => {
    // RFC 7748, section 6.1.
    it("derives Alice's and Bob's public keys of RFC 7748 section 6.1", () => {
        expect(wireguardPublicKey(hex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")))
            .toBe(hex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"));
        expect(wireguardPublicKey(hex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")))
            .toBe(hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"));
    });

    it("clamps random bytes as X25519 requires", () => {
        const k = clampPrivateKey(Buffer.alloc(32, 0xff));
        expect(k[0] & 7).toBe(0);
        expect(k[31] & 0x80).toBe(0);
        expect(k[31] & 0x40).toBe(0x40);
        expect(() => clampPrivateKey(Buffer.alloc(31))).toThrow(/32 bytes/);
    });

    it.skipIf(!hasWg())("agrees with `wg pubkey`", () => {
        for (let i = 0; i < 5; i++) {
            const priv = wireguardPrivateKey(randomBytes(32).toString("base64"));
            const expected = execFileSync("wg", ["pubkey"], { input: priv + "\n", encoding: "utf8" }).trim();
            expect(wireguardPublicKey(priv)).toBe(expected);
        }
    });
});
