// nodeAgentSource that does not compile: make up fails before any node is touched, naming the
// key and giving the compiler's message; the stack's settings are then put back.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { configGet, configSet, e2e, inHost, prefixOf, run, script, virsh, workFile } from "./context";

const FIXTURE = path.join(__dirname, "fixtures", "node-agent-go");

describe("a node agent source that does not build", () => {
    let source = "";
    afterAll(async () => { if (source) await configSet(e2e.stack, "nodeAgentSource", source); });

    it("make up fails naming nodeAgentSource, with the compiler's message, and leaves every node as it was", async () => {
        source = await configGet(e2e.stack, "nodeAgentSource");
        const broken = workFile("broken-agent");
        fs.cpSync(FIXTURE, broken, { recursive: true });
        fs.appendFileSync(path.join(broken, "cmd", "node-agent", "main.go"), "\nfunc broken() { undefinedInThisAgent() }\n");
        await configSet(e2e.stack, "nodeAgentSource", path.join(broken, "cmd", "node-agent"));
        const domains = (await virsh("list", "--name")).stdout.split("\n").map((l) => l.trim()).filter((l) => l.startsWith(`${prefixOf(e2e.stack)}-node-`));
        const ids = async () => Promise.all(domains.map(async (d) => (await virsh("domid", d)).stdout.trim()));
        const before = await ids();
        const r = await run(inHost([script("up.sh"), e2e.stack]), { log: "up-broken-agent.log" });
        expect(r.code, "make up fails").not.toBe(0);
        expect(r.output).toContain(`clusteros-lab:nodeAgentSource = "${path.join(broken, "cmd", "node-agent")}": did not build`);
        expect(r.output).toContain("undefined: undefinedInThisAgent");
        expect(before.length).toBeGreaterThan(0);
        expect(await ids(), "the same running domains").toEqual(before);
    }, 600_000);
});
