// useLabCluster: the cluster of a test file, up before its first test and destroyed after
// its last (also when a test fails or up itself fails), with each failed test's node logs
// (serial console and journal) kept under the lab's state directory.
import type * as vitest from "vitest";
import { failureDir, LabCluster } from "./lab-cluster";

type Hooks = Pick<typeof vitest, "afterAll" | "beforeAll" | "beforeEach">;

/**
 * vitest's hooks, from its globals (test.globals, which testing/vitest.config.ts sets): the
 * packed package's compiled JavaScript cannot require vitest, which loads only as ESM.
 */
function hooks(): Hooks {
    const g = globalThis as Partial<Hooks>;
    if (!g.beforeAll || !g.afterAll || !g.beforeEach) {
        throw new Error("useLabCluster needs vitest's globals: run the tests with make cluster-test or npx lab-test, "
            + "or set test.globals: true in your vitest config");
    }
    return g as Hooks;
}
import type { UpOptions } from "./lab-cluster";

export interface UseOptions extends UpOptions {
    /** How long up may take, image build included. */
    upTimeoutSeconds?: number;
}

export function useLabCluster(opts: UseOptions): () => LabCluster {
    let cluster: LabCluster | undefined;
    const { afterAll, beforeAll, beforeEach } = hooks();
    beforeAll(async () => {
        // Pulumi's progress, as make up prints it: an up takes minutes.
        cluster = await LabCluster.up({ ...opts, onOutput: opts.onOutput ?? ((text) => process.stderr.write(text)) });
    }, (opts.upTimeoutSeconds ?? 1800) * 1000);
    beforeEach((ctx) => {
        ctx.onTestFailed(async () => {
            if (!cluster) return;
            const dir = await cluster.collectLogs(failureDir(cluster.info.stack, ctx.task.name)).catch((e) => `not kept: ${e}`);
            console.error(`${ctx.task.name}: node logs in ${dir}`);
        });
    });
    afterAll(async () => {
        await cluster?.destroy();
    }, 1800 * 1000);
    return () => {
        if (!cluster) throw new Error(`the cluster of stack ${opts.stack} is not up (see the error of beforeAll)`);
        return cluster;
    };
}
