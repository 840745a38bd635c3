// What an image is made of, and its content hash. Pure apart from reading the files it
// hashes. The hash keys the image's output directory, so an unchanged image is never
// rebuilt and a rebuilt one never overwrites the image running nodes use.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ClusterConfig, ImageFlavor } from "./config";

export const IMAGES_DIR = path.join(__dirname, "..", "..", "images");

/** Files of each flavor alone (its base image, its build user-data), relative to images/. */
export const FLAVOR_DIRS: Record<ImageFlavor, string> = { "ubuntu-24.04": "ubuntu", "debian-12": "debian" };

/** Files every flavor's image is made from: the Packer configuration (a source per flavor) and the provisioning. */
export const SHARED_DIRS = ["packer", "common"];

/** The upstream Kubernetes bundle: its directory (named by its content hash) and Kubernetes version. */
export interface KubernetesBundle {
    dir: string;
    version: string;
}

export interface ImageRecipe {
    flavor: ImageFlavor;
    /** Files that define the image, relative to images/. */
    files: string[];
    nodeAgentPath?: string;
    k3sVersion?: string;
    /** Baked in with kubernetes=upstream; its directory name is its content hash. */
    upstreamKubernetes?: KubernetesBundle;
    /** imageExtraPackages, sorted and once each. */
    extraPackages: string[];
    /** imageProvisionDir's *.sh scripts, absolute, in the order they run (by name). */
    provisionScripts: string[];
}

function listFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? listFiles(p) : [p];
    });
}

/** The *.sh files directly in dir, absolute, by name; none when dir is "". */
export function provisionScripts(dir: string): string[] {
    if (dir === "") return [];
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith(".sh"))
        .map((e) => path.resolve(dir, e.name)).sort();
}

export function imageRecipe(
    cfg: Pick<ClusterConfig, "nodeAgentDelivery" | "nodeAgentPath" | "kubernetes" | "k3sVersion" | "imageExtraPackages" | "imageProvisionDir">,
    flavor: ImageFlavor, bundle?: KubernetesBundle,
): ImageRecipe {
    if (cfg.kubernetes === "upstream" && !bundle) throw new Error("kubernetes=upstream needs the built Kubernetes bundle (make kubernetes)");
    const dirs = [FLAVOR_DIRS[flavor], ...SHARED_DIRS].map((d) => path.join(IMAGES_DIR, d));
    const files = [...dirs.flatMap(listFiles), path.join(IMAGES_DIR, "build.sh")]
        .map((f) => path.relative(IMAGES_DIR, f))
        .sort();
    return {
        flavor,
        files,
        nodeAgentPath: cfg.nodeAgentDelivery === "image" ? cfg.nodeAgentPath : undefined,
        k3sVersion: cfg.kubernetes === "k3s" ? cfg.k3sVersion : undefined,
        upstreamKubernetes: cfg.kubernetes === "upstream" ? bundle : undefined,
        extraPackages: [...new Set(cfg.imageExtraPackages)].sort(),
        provisionScripts: provisionScripts(cfg.imageProvisionDir),
    };
}

export function recipeHash(recipe: ImageRecipe, read: (p: string) => Buffer): string {
    const h = createHash("sha256");
    h.update(`flavor=${recipe.flavor}\nk3s=${recipe.k3sVersion ?? ""}\n`);
    // The bundle's directory is named by the hash of what builds it.
    if (recipe.upstreamKubernetes) h.update(`kubernetes=${path.basename(recipe.upstreamKubernetes.dir)}\n`);
    for (const f of recipe.files) {
        h.update(`file=${f}\n`).update(read(path.join(IMAGES_DIR, f)));
    }
    if (recipe.nodeAgentPath) h.update("node-agent\n").update(read(recipe.nodeAgentPath));
    // The image's additions, only when there are any: an image without them keeps its hash.
    if (recipe.extraPackages.length > 0) h.update(`extra-packages=${recipe.extraPackages.join(",")}\n`);
    for (const s of recipe.provisionScripts) h.update(`provision=${path.basename(s)}\n`).update(read(s));
    return h.digest("hex").slice(0, 16);
}

export function fileSha256(p: string, read: (p: string) => Buffer = fs.readFileSync): string {
    return createHash("sha256").update(read(p)).digest("hex");
}
