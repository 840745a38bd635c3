// make image on a stack that has nothing yet (E2E_IMAGE_STACK, the bystander before its first
// up): it prints the node image make up uses, with its content hash, and creates nothing on
// the daemon. The image is the e2e's main stack's, already built: one image serves both.
import { describe, expect, it } from "vitest";
import { e2e, expectOk, prefixOf, run, stackOutputJson, virsh } from "./context";

const stack = process.env.E2E_IMAGE_STACK ?? "";

describe("make image", () => {
    it("make image prints the stack's node image and its hash: the image make up uses", async () => {
        expect(stack, "E2E_IMAGE_STACK (set by e2e.sh)").not.toBe("");
        const r = await run(["make", "image", `STACK=${stack}`], { log: "image.log" });
        expectOk(r, "make image");
        const used = await stackOutputJson<{ path: string; hash: string }>(e2e.stack, "image");
        expect(r.stdout).toContain(`image: ${used.path}`);
        expect(r.stdout).toContain(`hash:  ${used.hash}`);
    }, 1_800_000);

    it.each([["domain", "list"], ["network", "net-list"], ["pool", "pool-list"]])("make image created no %s of the stack", async (_, verb) => {
        const r = await virsh(verb, "--all", "--name");
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout.split("\n").map((l) => l.trim()).filter((n) => n.startsWith(`${prefixOf(stack)}-`))).toEqual([]);
    });
});
