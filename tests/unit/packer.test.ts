// The Packer configuration (images/packer/: one source per flavor, one build) is valid for
// Packer itself (`packer validate -only=<source>` with every variable of that flavor set),
// and both flavors run the same provisioning, boot loader included: the ubuntu-24.04 flavor
// cannot be built offline, so this is what keeps it honest here.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const IMAGES = path.join(__dirname, "..", "..", "images");
const CONFIG = path.join(IMAGES, "packer");
const CHECKSUM = `sha256:${"0".repeat(64)}`;
let tmp: string;

beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "packer-validate-"));
    fs.writeFileSync(path.join(tmp, "disk.img"), "");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(tmp, "packer_ed25519")]);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const common = () => ({ output_dir: path.join(tmp, "out"), payload_dir: tmp, boot_dir: path.join(tmp, "boot"), serial_log: path.join(tmp, "serial.log") });
/** Each flavor's source, and the variables images/build.sh sets for it. */
const FLAVORS: Record<string, { source: string; vars: () => Record<string, string> }> = {
    "debian-12": { source: "qemu.debian", vars: () => ({ ...common(), base_dir: tmp, base_checksum: CHECKSUM }) },
    "ubuntu-24.04": {
        source: "qemu.ubuntu",
        vars: () => ({ ...common(), cloud_image: path.join(tmp, "disk.img"), cloud_image_checksum: CHECKSUM, http_dir: tmp, ssh_key: path.join(tmp, "packer_ed25519") }),
    },
}

function validate(only: string | undefined, vars: Record<string, string>): { ok: boolean; out: string } {
    const args = ["validate", ...(only ? [`-only=${only}`] : []), ...Object.entries(vars).flatMap(([k, v]) => ["-var", `${k}=${v}`]), "."];
    const r = spawnSync("packer", args, { cwd: CONFIG, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
    return { ok: r.status === 0, out: r.stdout + r.stderr };
}

/** Packer 1.6 says nothing when the configuration is valid; newer releases say so. */
const complaints = (out: string) => out.replace("The configuration is valid.", "").trim();

function buildBlock(): string {
    const text = fs.readFileSync(path.join(CONFIG, "node.pkr.hcl"), "utf8");
    return text.slice(text.indexOf("\nbuild {"));
}

/** The provisioning scripts the build runs, in order. */
function provisioning(): string[] {
    return [...buildBlock().matchAll(/"\$\{path\.root\}\/\.\.\/common\/provision\/([\w.-]+)"/g)].map((m) => m[1]);
}

/** The build's steps from the payload directory on: what both flavors must share. */
function sharedSteps(): string {
    const text = buildBlock();
    return text.slice(text.lastIndexOf('  provisioner "shell" {\n', text.indexOf('"mkdir -p /tmp/clusteros-payload"')));
}

describe("Packer configuration", () => {
    for (const [flavor, f] of Object.entries(FLAVORS)) {
        it(`${flavor}: packer validate -only=${f.source} accepts the configuration with that flavor's variables alone`, () => {
            const r = validate(f.source, f.vars());
            expect(complaints(r.out)).toBe("");
            expect(r.ok).toBe(true);
        });

        it(`${flavor}: packer validate names a variable that is missing`, () => {
            const { boot_dir: _, ...rest } = f.vars();
            const r = validate(f.source, rest);
            expect(r.ok).toBe(false);
            expect(r.out).toContain('Unset variable "boot_dir"');
        });
    }

    it("packer validate accepts both sources at once when every variable is set", () => {
        const r = validate(undefined, { ...FLAVORS["debian-12"].vars(), ...FLAVORS["ubuntu-24.04"].vars() });
        expect(complaints(r.out)).toBe("");
        expect(r.ok).toBe(true);
    });

    it("packer validate rejects an accelerator other than kvm or tcg", () => {
        const r = validate("qemu.debian", { ...FLAVORS["debian-12"].vars(), accelerator: "hvf" });
        expect(r.ok).toBe(false);
        expect(r.out).toContain("The accelerator must be kvm or tcg.");
    });

    it("one build runs both flavors' sources through the same provisioning, the boot loader and the cleanup included", () => {
        expect(buildBlock()).toContain('sources = ["source.qemu.debian", "source.qemu.ubuntu"]');
        const scripts = provisioning();
        expect(scripts).toContain("15-bootloader.sh");
        expect(scripts.at(-1)).toBe("90-cleanup.sh");
        for (const s of scripts) expect(fs.existsSync(path.join(IMAGES, "common", "provision", s))).toBe(true);
    });

    it("both flavors hand the image's kernel and initrd to the installer the same way (no step from the payload on is limited to one source)", () => {
        const steps = sharedSteps();
        expect(steps).toContain('destination = "/tmp/clusteros-payload"');
        expect(steps).toContain('source      = "/tmp/clusteros-boot/initrd.img"');
        expect(steps).toContain("90-cleanup.sh");
        expect(steps).not.toMatch(/^\s*(only|except)\s*=/m);
    });

    it("is packer fmt clean", () => {
        const r = spawnSync("packer", ["fmt", "-check", "."], { cwd: CONFIG, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
        expect(r.stdout + r.stderr).toBe("");
        expect(r.status).toBe(0);
    });
});
