// NodeImage: the node OS image. For a flavor, a LocalCommand runs Packer (images/build.sh)
// into a directory named by the recipe's content hash; a prebuilt image is taken as is.
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { ClusterConfig } from "./config";
import { IMAGES_DIR, imageRecipe, recipeHash } from "./image-inputs";
import { cacheDir } from "./paths";
import { LocalCommand } from "./providers/local-command";

export interface NodeImageArgs {
    cfg: ClusterConfig;
}

export class NodeImage extends pulumi.ComponentResource {
    /** qcow2 image file: a whole disk that boots through firmware, BIOS or UEFI. */
    readonly imagePath: pulumi.Output<string>;
    /** Content hash of the image's inputs (empty for a prebuilt image). */
    readonly hash: string;

    constructor(name: string, args: NodeImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusteros:lab:NodeImage", name, {}, opts);
        const { cfg } = args;
        if (cfg.image.kind === "prebuilt") {
            this.hash = "";
            this.imagePath = pulumi.output(cfg.image.path);
            this.registerOutputs({ imagePath: this.imagePath });
            return;
        }
        const recipe = imageRecipe(cfg, cfg.image.flavor);
        this.hash = recipeHash(recipe, (p) => fs.readFileSync(p));
        const outDir = path.join(cacheDir(), "images", `${recipe.flavor}-${this.hash}`);
        const argv = [
            path.join(IMAGES_DIR, "build.sh"), "--flavor", recipe.flavor, "--out", outDir,
            "--accelerator", cfg.domainType === "kvm" ? "kvm" : "tcg",
            ...(recipe.nodeAgentPath ? ["--node-agent", path.resolve(recipe.nodeAgentPath)] : []),
            ...(recipe.k3sVersion ? ["--k3s-version", recipe.k3sVersion] : []),
        ];
        const build = new LocalCommand(`${name}-packer`, {
            create: argv.map(shellQuote).join(" "),
            triggers: this.hash,
            logPrefix: "packer: ",
        }, { parent: this });
        const inDir = (file: string) => build.id.apply(() => path.join(outDir, file));
        this.imagePath = inDir("clusteros-node.qcow2");
        this.registerOutputs({ imagePath: this.imagePath, hash: this.hash });
    }
}

export function shellQuote(s: string): string {
    return /^[A-Za-z0-9_./:=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
