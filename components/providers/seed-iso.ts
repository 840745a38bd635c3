// SeedIso: a node's NoCloud seed (user-data, meta-data, network-config) as an ISO 9660 file
// labelled "cidata", built on the machine running Pulumi and kept private (0600 in a 0700
// directory) until a plain libvirt volume uploads it. It replaces the provider's
// CloudInitDisk, which downloads and parses every ISO back on refresh and fails now and
// then with "corrupted-image: EOF" (dmacvicar/terraform-provider-libvirt#973). A refresh
// only checks that the file is still there; a missing file is created again on `up`.
import * as pulumi from "@pulumi/pulumi";
import { ArgsOf } from "./args";

export interface SeedIsoInputs {
    /** Where the file is written: a directory only root may enter. */
    dir: string;
    /** File name, carrying the content hash so a changed seed is a new file. */
    fileName: string;
    userData: string;
    metaData: string;
    networkConfig: string;
}

export type SeedIsoArgs = ArgsOf<SeedIsoInputs>;

export const seedIsoProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: SeedIsoInputs) {
        const fs = require("node:fs");
        const os = require("node:os");
        const path = require("node:path");
        const { execFileSync } = require("node:child_process");
        fs.mkdirSync(inputs.dir, { recursive: true, mode: 0o700 });
        fs.chmodSync(inputs.dir, 0o700);
        const work = fs.mkdtempSync(path.join(os.tmpdir(), "clusteros-seed-"));
        const file = path.join(inputs.dir, inputs.fileName);
        const partial = `${file}.partial`;
        try {
            fs.writeFileSync(path.join(work, "user-data"), inputs.userData, { mode: 0o600 });
            fs.writeFileSync(path.join(work, "meta-data"), inputs.metaData, { mode: 0o600 });
            fs.writeFileSync(path.join(work, "network-config"), inputs.networkConfig, { mode: 0o600 });
            // The file exists 0600 before genisoimage writes a byte of the secrets into it.
            fs.writeFileSync(partial, "", { mode: 0o600 });
            execFileSync("genisoimage", ["-quiet", "-output", partial, "-volid", "cidata", "-joliet", "-rock",
                "user-data", "meta-data", "network-config"], { cwd: work, stdio: ["ignore", "ignore", "pipe"] });
            fs.renameSync(partial, file);
        } finally {
            fs.rmSync(work, { recursive: true, force: true });
            fs.rmSync(partial, { force: true });
        }
        return { id: file, outs: { ...inputs, path: file } };
    },
    async read(id: string, props: SeedIsoInputs & { path: string }) {
        const fs = require("node:fs");
        // Gone from disk: report it gone, so the next `up` writes it again.
        return fs.existsSync(id) ? { id, props } : { id: "", props: {} };
    },
    async diff(_id: string, olds: SeedIsoInputs, news: SeedIsoInputs) {
        const keys = ["dir", "fileName", "userData", "metaData", "networkConfig"] as const;
        const replaces = keys.filter((k) => olds[k] !== news[k]);
        return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
    },
    async delete(id: string) {
        const fs = require("node:fs");
        fs.rmSync(id, { force: true });
        // The stack's last seed takes the stack's directory along, with what else is kept
        // there for the stack's nodes (checkpoints of UEFI nodes, cli/checkpoint-files.ts).
        const dir = require("node:path").dirname(id);
        const seeds = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f: string) => f.endsWith(".iso")) : [];
        if (seeds.length === 0) fs.rmSync(dir, { recursive: true, force: true });
    },
};

export class SeedIso extends pulumi.dynamic.Resource {
    declare readonly path: pulumi.Output<string>;

    constructor(name: string, args: SeedIsoArgs, opts?: pulumi.CustomResourceOptions) {
        super(seedIsoProvider, name, { ...args, path: undefined }, { ...opts, additionalSecretOutputs: ["userData"] },
            "clusteros", "SeedIso");
    }
}
