// Nothing of the stacks E2E_LEAK_STACKS names (space-separated) is left on the daemons, on
// disk, in Pulumi's state or in the project (its settings file), nor among the host's processes
// (its provisioning network's HTTP server); with E2E_H2_URI set (the
// e2e made a second host), on the second host too. The domains E2E_OTHERS_BEFORE names
// ("name id" per line: other stacks' domains running before) still run, not restarted.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { spawnCollect } from "../../components/exec/spawn";
import { libvirtName } from "../../components/plan/names";
import { netbootServerFiles, PROJECT_ROOT, stateDir } from "../../components/plan/paths";
import { projectName } from "../../components/program-dir";
import { prefixOf, pulumi, virsh } from "./context";
import { h2, MAIN_URI } from "./multihost";

const stacks = (process.env.E2E_LEAK_STACKS ?? "").split(/\s+/).filter(Boolean);
const others = (process.env.E2E_OTHERS_BEFORE ?? "").split("\n").map((l) => l.trim().split(/\s+/)).filter((w) => w.length === 2);
const hosts = [
    { name: "main", uri: MAIN_URI, images: "/var/lib/libvirt/images" },
    ...(h2.uri ? [{ name: h2.name, uri: h2.uri, images: path.join(h2.dir, "lib", "images") }] : []),
];
const kinds = [["domain", "list"], ["network", "net-list"], ["pool", "pool-list"]] as const;

for (const stack of stacks) describe(`stack ${stack}`, () => {
    const mine = (name: string) => name.startsWith(`${prefixOf(stack)}-`);

    for (const host of hosts) {
        it.each(kinds)(`no %s of stack ${stack} remains on host ${host.name}`, async (_, verb) => {
            const r = await spawnCollect(["virsh", "-q", "-c", host.uri, verb, "--all", "--name"]);
            expect(r.code, r.stderr).toBe(0);
            expect(r.stdout.split("\n").map((l) => l.trim()).filter(mine)).toEqual([]);
        });
    }

    it(`no volume directory, seed directory or UEFI variable store of stack ${stack} remains`, () => {
        const nvram = "/var/lib/libvirt/qemu/nvram";
        expect([
            ...hosts.map((h) => path.join(h.images, prefixOf(stack))),
            path.join(stateDir(), "seeds", prefixOf(stack)),
            ...(fs.existsSync(nvram) ? fs.readdirSync(nvram).filter(mine).map((f) => path.join(nvram, f)) : []),
        ].filter((p) => fs.existsSync(p))).toEqual([]);
    });

    it(`no HTTP server of stack ${stack}'s provisioning network runs, and its pid file and log are gone`, () => {
        const { pidFile, logFile } = netbootServerFiles(libvirtName(projectName(), stack, "netboot"));
        const servers = fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).filter((p) => {
            try {
                return fs.readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0").includes(pidFile);
            } catch {
                return false; // ended meanwhile
            }
        });
        expect(servers, "pids").toEqual([]);
        expect([pidFile, logFile].filter((f) => fs.existsSync(f))).toEqual([]);
    });

    it(`the state and the settings file of stack ${stack} are gone`, async () => {
        const r = await pulumi("stack", "ls", "--json");
        expect((JSON.parse(r.stdout) as { name: string }[]).map((s) => s.name)).not.toContain(stack);
        expect(fs.existsSync(path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`)), `Pulumi.${stack}.yaml`).toBe(false);
    });
});

if (others.length > 0) {
    describe("other stacks", () => {
        it.each(others)("another stack's domain %s still runs, not restarted (id %s)", async (name, id) => {
            expect((await virsh("domid", name)).stdout.trim()).toBe(id);
        });
    });
}
