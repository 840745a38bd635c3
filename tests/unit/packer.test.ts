// Both Packer templates are valid for Packer itself (`packer validate` with every variable
// set), and both flavors run the same provisioning, boot loader included: the ubuntu-24.04
// flavor cannot be built offline, so this is what keeps it honest here.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const IMAGES = path.join(__dirname, "..", "..", "images");
const CHECKSUM = `sha256:${"0".repeat(64)}`;
let tmp: string;

beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "packer-validate-"));
    fs.writeFileSync(path.join(tmp, "disk.img"), "");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", path.join(tmp, "packer_ed25519")]);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const common = () => ({ output_dir: path.join(tmp, "out"), payload_dir: tmp, boot_dir: path.join(tmp, "boot"), serial_log: path.join(tmp, "serial.log") });
const TEMPLATES: Record<string, { file: string; vars: () => Record<string, string> }> = {
    "debian-12": { file: "debian/debian.pkr.hcl", vars: () => ({ ...common(), base_dir: tmp, base_checksum: CHECKSUM }) },
    "ubuntu-24.04": {
        file: "ubuntu/ubuntu.pkr.hcl",
        vars: () => ({ ...common(), cloud_image: path.join(tmp, "disk.img"), cloud_image_checksum: CHECKSUM, http_dir: tmp, ssh_key: path.join(tmp, "packer_ed25519") }),
    },
};

function validate(file: string, vars: Record<string, string>): { ok: boolean; out: string } {
    const args = ["validate", ...Object.entries(vars).flatMap(([k, v]) => ["-var", `${k}=${v}`]), path.basename(file)];
    const r = spawnSync("packer", args, { cwd: path.join(IMAGES, path.dirname(file)), encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1" } });
    return { ok: r.status === 0, out: r.stdout + r.stderr };
}

/** The provisioning scripts a template runs, in order. */
function provisioning(file: string): string[] {
    return [...fs.readFileSync(path.join(IMAGES, file), "utf8").matchAll(/"\$\{path\.root\}\/\.\.\/common\/provision\/([\w.-]+)"/g)].map((m) => m[1]);
}

/** A template's build steps from the payload upload on: what both flavors must share. */
function sharedSteps(file: string): string {
    const text = fs.readFileSync(path.join(IMAGES, file), "utf8");
    return text.slice(text.indexOf('  provisioner "file" {\n    source      = "${var.payload_dir}/"'));
}

describe("Packer templates", () => {
    for (const [flavor, t] of Object.entries(TEMPLATES)) {
        it(`${flavor}: packer validate accepts the template`, () => {
            // Packer 1.6 says nothing when the template is valid; newer releases say so.
            const r = validate(t.file, t.vars());
            expect(r.out.replace("The configuration is valid.", "").trim()).toBe("");
            expect(r.ok).toBe(true);
        });

        it(`${flavor}: packer validate names a variable that is missing`, () => {
            const { boot_dir: _, ...rest } = t.vars();
            const r = validate(t.file, rest);
            expect(r.ok).toBe(false);
            expect(r.out).toContain('Unset variable "boot_dir"');
        });
    }

    it("both flavors run the same provisioning, the boot loader and the cleanup included", () => {
        const debian = provisioning(TEMPLATES["debian-12"].file);
        expect(debian).toEqual(provisioning(TEMPLATES["ubuntu-24.04"].file));
        expect(debian).toContain("15-bootloader.sh");
        expect(debian.at(-1)).toBe("90-cleanup.sh");
        for (const f of debian) expect(fs.existsSync(path.join(IMAGES, "common", "provision", f))).toBe(true);
    });

    it("both flavors hand the image's kernel and initrd to the installer the same way (the steps after the upload are one text)", () => {
        const debian = sharedSteps(TEMPLATES["debian-12"].file);
        expect(debian).toContain('source      = "/tmp/clusteros-boot/initrd.img"');
        expect(sharedSteps(TEMPLATES["ubuntu-24.04"].file)).toBe(debian);
    });
});
