// The stack outputs for machines installed from the installer medium (make usb), as Pulumi
// secrets, never given to the lab's VMs: bareMetal, the network pre-seed (it holds the WiFi
// PSK); bareMetalSeeds, the NoCloud seed of each machine that joins the cluster, by MAC (each
// holds the cluster key).
import * as pulumi from "@pulumi/pulumi";
import { BareMetal, NOT_SET, Preseed, renderBareMetal } from "./plan/bare-metal";
import { NO_SEEDS } from "./plan/bare-metal-nodes";
import { CloudInitDocs } from "./plan/cloud-init";
import { BareMetalSeedPlan } from "./plan/cluster-plan";
import { ClusterSecrets } from "./secrets";

/** The pre-seed as a secret, or why there is none. */
export function bareMetalOutput(bm: BareMetal | undefined): pulumi.Output<Preseed> | string {
    return bm ? pulumi.secret(renderBareMetal(bm)) : NOT_SET;
}

/** Each joining machine's seed (user-data, meta-data, network-config) by MAC, as a secret; or why there is none. */
export function bareMetalSeedsOutput(seeds: BareMetalSeedPlan[], secrets: ClusterSecrets): pulumi.Output<Record<string, CloudInitDocs>> | string {
    if (seeds.length === 0) return NO_SEEDS;
    return pulumi.secret(pulumi.all([secrets.clusterKey, secrets.automationPublicKey]).apply(([clusterKey, publicKey]) =>
        Object.fromEntries(seeds.map((s) => [s.mac, s.cloudInit(clusterKey, publicKey)]))));
}
