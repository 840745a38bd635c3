// NodeImage: the node OS image. A build plan runs Packer (images/build.sh) through a
// LocalCommand into a directory named by the recipe's content hash; a prebuilt image is
// taken as is.
import * as pulumi from "@pulumi/pulumi";
import { shellQuote } from "./exec/spawn";
import { ImagePlan } from "./plan/cluster-plan";
import { LocalCommand } from "./providers/local-command";

export interface NodeImageArgs {
    image: ImagePlan;
}

export class NodeImage extends pulumi.ComponentResource {
    /** qcow2 image file: a whole disk that boots through firmware, BIOS or UEFI. */
    readonly imagePath: pulumi.Output<string>;

    constructor(name: string, args: NodeImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("clusteros:lab:NodeImage", name, {}, opts);
        const { image } = args;
        if (image.kind === "prebuilt") {
            this.imagePath = pulumi.output(image.path);
            this.registerOutputs({ imagePath: this.imagePath });
            return;
        }
        const build = new LocalCommand(`${name}-packer`, {
            create: image.argv.map(shellQuote).join(" "),
            triggers: image.hash,
            logPrefix: "packer: ",
        }, { parent: this });
        this.imagePath = build.id.apply(() => image.path);
        this.registerOutputs({ imagePath: this.imagePath, hash: image.hash });
    }
}
