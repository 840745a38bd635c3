// A stack with bad settings ends the program cleanly: Pulumi prints a RunError's message and
// nothing else (no stack trace, no object dump), and every problem is in that message.
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { loadClusterConfig } from "../../components/pulumi-config";

pulumi.runtime.setMocks({ newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }), call: () => ({}) }, "clusteros-lab", "unit", false);

describe("config errors", () => {
    it("end the program with a RunError carrying every problem, its key and its fix", () => {
        pulumi.runtime.setConfig("clusteros-lab:nodeCount", "0");
        pulumi.runtime.setConfig("clusteros-lab:nodeMemroyMiB", "2048");
        let error: unknown;
        try {
            loadClusterConfig();
        } catch (e) {
            error = e;
        }
        expect(pulumi.RunError.isInstance(error), String(error)).toBe(true);
        const message = (error as Error).message;
        // At least these two: where no libvirt daemon answers (as here before the e2e starts one) libvirtUri is a third.
        expect(message).toMatch(/^invalid configuration \(\d+ problems\); nothing was created:/);
        expect(message).toContain("clusteros-lab:nodeCount = ");
        expect(message).toContain("clusteros-lab:nodeMemroyMiB = ");
        expect(message).toContain("nodeMemoryMiB");
    });
});
