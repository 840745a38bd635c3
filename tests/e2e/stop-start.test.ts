// make stop and make start on a running stack (E2E_POWER_STACK, the 1-node UEFI bystander):
// every node halts cleanly with its disk kept, lab status says the stack is stopped, and
// make start boots the same disk again (a new boot, the file written before still there)
// and waits until the cluster is healthy.
import { describe, expect, it } from "vitest";
import { expectOk, prefixOf, run, virsh } from "./context";

const stack = process.env.E2E_POWER_STACK ?? "";
const MARK = "/var/tmp/clusteros-e2e-stop-start";
/** The command's output alone: make says nothing of its own (under make test it would print "Entering directory"). */
const onNode = (command: string) => run(["make", "-s", "--no-print-directory", "exec", `STACK=${stack}`, "N=1", `CMD=${command}`]);
let bootBefore = "";

describe("make stop, then make start", () => {
    it("before: a file on node 1's disk, and its boot id", async () => {
        expect(stack, "E2E_POWER_STACK (set by e2e.sh)").not.toBe("");
        expectOk(await onNode(`echo kept > ${MARK}`), "writing the mark");
        const r = await onNode("cat /proc/sys/kernel/random/boot_id");
        expectOk(r, "boot_id");
        bootBefore = r.stdout.trim();
        expect(bootBefore).toMatch(/^[0-9a-f-]{36}$/);
    });

    it("make stop halts every node cleanly and keeps its domain and disk", async () => {
        const r = await run(["make", "stop", `STACK=${stack}`], { log: "stop.log" });
        expectOk(r, "make stop");
        expect(r.stdout).toContain(`stack '${stack}' stopped: 1 node shut off, disks kept`);
        expect((await virsh("domstate", `${prefixOf(stack)}-node-1`)).stdout.trim()).toBe("shut off");
    }, 300_000);

    it("make status says the stack is stopped and how to start it, and exits 1", async () => {
        const r = await run(["make", "status", `STACK=${stack}`]);
        expect(r.code).not.toBe(0);
        expect(r.output).toContain(`stack '${stack}' is stopped: every node is shut off, its disk kept (make start STACK=${stack}, or make up, starts it)`);
    });

    it("make start boots the same disk again and waits until the cluster is healthy", async () => {
        expectOk(await run(["make", "start", `STACK=${stack}`], { log: "start.log" }), "make start");
        const r = await onNode(`cat ${MARK} && cat /proc/sys/kernel/random/boot_id`);
        expectOk(r, "after the start");
        const [mark, boot] = r.stdout.trim().split("\n");
        expect(mark, "the file written before the stop").toBe("kept");
        expect(boot, "a new boot").not.toBe(bootBefore);
    }, 900_000);
});
