// A stack whose nodeCidr overlaps another stack's network fails at preview, naming the key and
// the network, and creates nothing.
import { afterAll, describe, expect, it } from "vitest";
import type { Stack } from "@pulumi/pulumi/automation";
import { removeProjectStack } from "../../lab/stacks";
import { stackWithSettings } from "../../testing/lab-cluster";
import { configGet, e2e, inHost, prefixOf, run } from "./context";

describe("nodeCidr collision", () => {
    let clash: Stack | undefined;
    afterAll(async () => { if (clash) await removeProjectStack(clash); });

    it("preview of a stack whose nodeCidr overlaps another stack's network fails, naming nodeCidr and that network, and creates nothing", async () => {
        const nodeCidr = await configGet(e2e.stack, "nodeCidr");
        clash = await stackWithSettings({ stack: `${e2e.stack}-c`, from: "ci", config: { nodeCidr, wireguardCidr: await configGet(e2e.stack, "wireguardCidr") } });
        const r = await run(inHost(["pulumi", "preview", "--stack", clash.name]));
        expect(r.code, "the preview fails").not.toBe(0);
        expect(r.output).toContain(`clusteros-lab:nodeCidr = "${nodeCidr}": overlaps libvirt network ${prefixOf(e2e.stack)}-net`);
        const state = await clash.exportStack();
        expect(state.deployment?.resources ?? []).toEqual([]);
    }, 300_000);
});
