// The NoCloud seed as the SeedIso provider builds it: a "cidata" ISO that only root can
// read, in a directory only root can enter; gone from disk means gone from Pulumi's view.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { seedIsoProvider } from "../../components/providers/seed-iso";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "seed-test-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const inputs = {
    dir: path.join(root, "seeds", "clusteros-lab-unit"),
    fileName: "clusteros-lab-unit-node-1-cidata-0123456789ab.iso",
    userData: "#cloud-config\nwrite_files: [{path: /etc/munge/munge.key, content: s3cret}]\n",
    metaData: "instance-id: clusteros-lab-unit-node-1\n",
    networkConfig: "version: 2\n",
};

describe("SeedIso", () => {
    it("writes a cidata ISO, 0600 in a 0700 directory, holding the three documents", async () => {
        const { id, outs } = await seedIsoProvider.create!(inputs);
        expect(id).toBe(path.join(inputs.dir, inputs.fileName));
        expect(outs.path).toBe(id);
        expect(fs.statSync(id).mode & 0o777).toBe(0o600);
        expect(fs.statSync(inputs.dir).mode & 0o777).toBe(0o700);
        expect(execFileSync("blkid", ["-o", "value", "-s", "LABEL", id], { encoding: "utf8" }).trim()).toBe("cidata");
        const files = execFileSync("isoinfo", ["-R", "-f", "-i", id], { encoding: "utf8" }).split("\n").filter(Boolean).sort();
        expect(files).toEqual(["/meta-data", "/network-config", "/user-data"]);
        expect(execFileSync("isoinfo", ["-R", "-x", "/user-data", "-i", id], { encoding: "utf8" })).toBe(inputs.userData);
        expect(fs.readdirSync(inputs.dir)).toEqual([inputs.fileName]); // no partial file left
    });

    it("replaces the seed when a document changes, reads a deleted file as gone, leaves no directory", async () => {
        const d = await seedIsoProvider.diff!("x", inputs, { ...inputs, networkConfig: "version: 2\nethernets: {}\n" });
        expect(d.replaces).toEqual(["networkConfig"]);
        expect((await seedIsoProvider.diff!("x", inputs, { ...inputs })).changes).toBe(false);
        const id = path.join(inputs.dir, inputs.fileName);
        expect((await seedIsoProvider.read!(id, { ...inputs, path: id })).id).toBe(id);
        const other = path.join(inputs.dir, "other-node-cidata.iso");
        fs.writeFileSync(other, "", { mode: 0o600 });
        // A UEFI node's checkpoint kept as files beside the seeds (cli/checkpoint-files.ts).
        const kept = path.join(inputs.dir, "checkpoints", "node-1", "ready");
        fs.mkdirSync(kept, { recursive: true });
        fs.writeFileSync(path.join(kept, "memory.save"), "");
        await seedIsoProvider.delete!(id, inputs);
        expect(fs.existsSync(id)).toBe(false);
        expect(fs.existsSync(kept)).toBe(true); // another seed of the stack is still there
        await seedIsoProvider.delete!(other, inputs);
        expect(fs.existsSync(inputs.dir)).toBe(false); // the last one takes the directory along, checkpoints and all
        expect((await seedIsoProvider.read!(id, { ...inputs, path: id })).id).toBe("");
    });
});
