// The image's own additions in the build VM (images/common/provision/50-extra.sh): the user's
// scripts run in name order with the build's environment; a failing one stops the build, named.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";

const PROVISION = path.join(__dirname, "..", "..", "images", "common", "provision");

/** A payload as build.sh makes it (lib.sh, build.env, extra-provision/), and 50-extra.sh run on it. */
function runExtra(scripts: Record<string, string>): { status: number | null; out: string } {
    const payload = fs.mkdtempSync(path.join(os.tmpdir(), "payload-"));
    try {
        fs.copyFileSync(path.join(PROVISION, "lib.sh"), path.join(payload, "lib.sh"));
        fs.writeFileSync(path.join(payload, "build.env"), "FLAVOR=debian-12\nEXTRA_PACKAGES=tree\n");
        if (Object.keys(scripts).length) fs.mkdirSync(path.join(payload, "extra-provision"));
        for (const [name, body] of Object.entries(scripts)) fs.writeFileSync(path.join(payload, "extra-provision", name), body);
        const r = spawnSync("bash", [path.join(PROVISION, "50-extra.sh")], { encoding: "utf8", env: { ...process.env, CLUSTEROS_PAYLOAD: payload, OUT: path.join(payload, "out") } });
        return { status: r.status, out: r.stdout + r.stderr + (fs.existsSync(path.join(payload, "out")) ? fs.readFileSync(path.join(payload, "out"), "utf8") : "") };
    } finally {
        fs.rmSync(payload, { recursive: true, force: true });
    }
}

describe("extra provisioning (imageProvisionDir)", () => {
    it("runs the scripts in name order, with the build's environment", () => {
        const r = runExtra({ "20-b.sh": 'echo "b $FLAVOR" >> "$OUT"', "10-a.sh": 'echo "a $EXTRA_PACKAGES" >> "$OUT"' });
        expect(r.status).toBe(0);
        expect(r.out).toMatch(/extra provisioning: 10-a\.sh[\s\S]*extra provisioning: 20-b\.sh/);
        expect(r.out).toContain("a tree\nb debian-12\n");
    });

    it("stops at a failing script, naming it, with its output; later scripts do not run", () => {
        const r = runExtra({ "10-bad.sh": 'echo "cannot find the thing" >&2; false\necho "not reached" >> "$OUT"', "20-next.sh": 'echo next >> "$OUT"' });
        expect(r.status).not.toBe(0);
        expect(r.out).toContain("cannot find the thing");
        expect(r.out).toContain("extra provisioning script 10-bad.sh failed (exit 1, imageProvisionDir): the image is not built");
        expect(r.out).not.toContain("not reached");
        expect(r.out).not.toContain("next");
    });

    it("does nothing without a directory", () => {
        expect(runExtra({})).toMatchObject({ status: 0, out: expect.stringContaining("no extra provisioning") });
    });
});
