// Every shell block the docs mark <!-- e2e --> (tests/docs/blocks.ts), on the e2e's stack, run
// from the test's own shell as a user's shell runs them (the lab detects the mode itself).
// With E2E_DOCS=kubernetes, the blocks marked <!-- e2e kubernetes --> instead, on the
// Kubernetes e2e's stack (tests/e2e/kubernetes.sh).
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../components/plan/paths";
import { sshKeyPath } from "../../cli/ssh";
import { allBlocks, forStack } from "../docs/blocks";
import { e2e, expectOk, run, workFile } from "./context";

const marker = process.env.E2E_DOCS === "kubernetes" ? "e2e kubernetes" : "e2e";
const blocks = allBlocks().filter((b) => b.marker === marker);
const dist = () => workFile("dist");

describe("documented commands", () => {
    afterAll(() => {
        // What the docs' commands leave for a user to keep: the ssh_config in the project, its key in the state directory.
        fs.rmSync(path.join(PROJECT_ROOT, "ci.ssh"), { force: true });
        fs.rmSync(sshKeyPath(e2e.stack), { force: true });
    });

    it.each(blocks.map((b) => [`${b.file}:${b.line}`, b] as const))("docs: the commands of %s run", async (where, block) => {
        const script = block.commands.map((c) => forStack(c, e2e.stack)).join("\n");
        const log = `doc-${where.replace(/[^A-Za-z0-9]+/g, "-")}.log`;
        expectOk(await run(["bash", "-euo", "pipefail", "-c", script], { log, env: { DIST_DIR: dist() } }), where);
    }, 1_800_000);

    it("the docs' commands wrote no private key under the repository", async () => {
        // Files git does not track (ignored ones included): what the commands above wrote into the checkout.
        const r = await run(["git", "-C", PROJECT_ROOT, "ls-files", "--others", "-z"]);
        expectOk(r, "git ls-files");
        const written = r.stdout.split("\0").filter((f) => f && !f.startsWith("node_modules/"));
        const keys = written.filter((f) => {
            const file = path.join(PROJECT_ROOT, f);
            return fs.statSync(file).isFile() && fs.statSync(file).size < 1_000_000 && fs.readFileSync(file, "latin1").includes("PRIVATE KEY");
        });
        expect(keys).toEqual([]);
    });

    if (marker === "e2e") it("make usb wrote an installer ISO that boots on BIOS and on UEFI", async () => {
        const r = await run(["xorriso", "-indev", path.join(dist(), "clusteros-installer.iso"), "-report_el_torito", "plain"]);
        const images = r.output.split("\n").filter((l) => /El Torito boot img .*(BIOS|UEFI)/.test(l));
        expect(images, r.output).toHaveLength(2);
        fs.rmSync(dist(), { recursive: true, force: true });
    }, 120_000);
});
