// Kubernetes on a cluster under test, in the stack's distribution (config key kubernetes,
// k3s by default): kubectl as cluster admin on the server node (node 1), and why the checks
// cannot run when they cannot (Kubernetes off, or a K3s image built without the internet).
import { spawnSync } from "node:child_process";
import type { TestContext } from "vitest";
import { CommandFailed, SHARED_STACK_ENV } from "clusteros-lab/testing";
import type { LabCluster } from "clusteros-lab/testing";
import { stackFileConfig } from "../../testing/lab-cluster";

export type Distribution = "k3s" | "upstream" | "off";

/** The distribution of the stack the tests will run on, known when vitest collects them. */
export function distribution(): Distribution {
    const shared = process.env[SHARED_STACK_ENV];
    const value = shared
        ? spawnSync("pulumi", ["config", "get", "--stack", shared, "kubernetes"], { encoding: "utf8" }).stdout.trim()
        : String(stackFileConfig("ci").kubernetes ?? "");
    return (value || "k3s") as Distribution;
}

/** Skips the running test, saying why in the e2e's record of it (tests/e2e/lib.sh reads meta.skipReason). */
export function skipBecause(ctx: TestContext, why: string): never {
    (ctx.task.meta as Record<string, unknown>).skipReason = why;
    return ctx.skip(why);
}

export const OFF_REASON = "Kubernetes: off in this stack (config key kubernetes)";

export class Kube {
    private checked?: { missing?: string; testImage: string };

    constructor(private readonly lab: () => LabCluster, readonly distribution: Exclude<Distribution, "off">) {}

    private get kubectl(): string {
        return this.distribution === "k3s" ? "k3s kubectl" : "kubectl --kubeconfig /etc/kubernetes/admin.conf";
    }

    /** kubectl ARGS (a shell fragment) on the server node; resolves with its stdout. */
    async ctl(args: string, input?: string): Promise<string> {
        const node = this.lab().node(1), cmd = `sudo ${this.kubectl} ${args}`;
        const r = await node.exec(cmd, input);
        if (r.code !== 0) throw new CommandFailed(node.name, cmd, r, "succeed");
        return r.stdout;
    }

    /** Why the checks cannot run on this image (a K3s image without its binary), or undefined. */
    async missing(): Promise<string | undefined> {
        return (await this.facts()).missing;
    }

    /** The image the test workloads run: the bundle's busybox (upstream), or E2E_TEST_IMAGE / Docker Hub's (K3s). */
    async testImage(): Promise<string> {
        return (await this.facts()).testImage;
    }

    private async facts(): Promise<{ missing?: string; testImage: string }> {
        if (this.checked) return this.checked;
        const node = this.lab().node(1);
        if (this.distribution === "k3s") {
            const r = await node.exec("test -x /usr/local/bin/k3s || cat /etc/clusteros/k3s-missing");
            this.checked = {
                missing: r.stdout.trim() ? `K3s: the image has no K3s binary: ${r.stdout.trim()}` : undefined,
                testImage: process.env.E2E_TEST_IMAGE ?? "docker.io/library/busybox:1.36",
            };
        } else {
            this.checked = { testImage: (await node.succeed(". /usr/local/share/clusteros/kubernetes/versions.env && echo $BUSYBOX_IMAGE")).trim() };
        }
        return this.checked;
    }
}
