// A libvirtd that cannot start (a stand-in that exits 1, first on PATH): scripts/libvirtd.sh
// start fails, and the namespace it made for the daemon is gone. Run by e2e.sh before it
// starts a daemon of its own, when none runs; E2E_FAIL_NETNS names the namespace to try.
import * as fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { namespaces } from "../../lab/daemon";
import { run, script, tail, workFile } from "./context";

const ns = process.env.E2E_FAIL_NETNS ?? "";

describe.runIf(ns)("a libvirtd that cannot start", () => {
    afterAll(async () => { if (namespaces().includes(ns)) await run(["ip", "netns", "delete", ns]); });

    it("a libvirtd that cannot start makes scripts/libvirtd.sh start fail", async () => {
        const fake = workFile("fake-bin");
        fs.mkdirSync(fake, { recursive: true });
        fs.writeFileSync(`${fake}/libvirtd`, '#!/bin/sh\necho "libvirtd (test stand-in): cannot start" >&2\nexit 1\n', { mode: 0o755 });
        const r = await run([script("libvirtd.sh"), "start", ns], { log: "failed-start.log", env: { PATH: `${fake}:${process.env.PATH}` } });
        expect(r.code, tail(r)).not.toBe(0);
    }, 120_000);

    it("a failed start removes the namespace it created", async () => {
        expect(namespaces()).not.toContain(ns);
    });
});
