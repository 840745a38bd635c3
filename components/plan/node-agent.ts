// Live delivery of the node agent: the binary is copied to running nodes and its service
// restarted whenever the binary's hash changes (config nodeAgentDelivery = live). The
// baked-into-image path (delivery = image) is what release images use.
import * as fs from "node:fs";
import * as path from "node:path";
import { NodePlan } from "./addressing";
import { fileSha256, IMAGES_DIR } from "./image-inputs";
import { b64, template } from "./templates";

export interface LiveAgentPlan {
    sha256: string;
    source: string;
    destination: string;
    /** The static install script and the environment it reads. */
    script: string;
    environment: Record<string, string>;
}

export function planLiveAgent(node: NodePlan, binary: string, sha256 = fileSha256(binary)): LiveAgentPlan {
    const destination = `/tmp/clusteros-node-agent.${sha256.slice(0, 16)}`;
    const unit = fs.readFileSync(path.join(IMAGES_DIR, "common", "node-agent.service"), "utf8");
    return {
        sha256,
        source: path.resolve(binary),
        destination,
        script: template("node-agent/install-live.sh"),
        environment: { AGENT_HOSTNAME: node.hostname, AGENT_UPLOAD: destination, AGENT_UNIT: b64(unit) },
    };
}
