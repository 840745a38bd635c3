// ClusterOS's repository drives the lab (docs/FROM_YOUR_REPOSITORY.md): a repository of
// ClusterOS's shape is made in the run's scratch directory, outside this tree
// (fixtures/repository: its Pulumi.yaml and one-line program, its cluster test; the agent's
// Go source and an image addition, as the e2e's other stacks have them). It installs the
// package `make pack` wrote, and from there, through the documented commands only: npx lab
// setup, pulumi stack init and config set, npx lab up, npx lab-test, an edit of the agent,
// npx lab up again, npx lab usb (its image as release artifacts), pulumi destroy. Its Pulumi
// state, passphrase and seeds live in its own state directory (CLUSTEROS_LAB_STATE) in the
// scratch directory. Stack E2E_REPO_STACK, one
// node on free ranges (E2E_REPO_NODE_CIDR, E2E_REPO_WG_CIDR), set by tests/e2e/lib.sh.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderFile } from "../../components/plan/templates";
import { PROJECT_ROOT } from "../../components/plan/paths";
import { stackFileConfig } from "../../testing/lab-cluster";
import type { Row } from "../../cli/health";
import { expectOk, libvirtObjects, run, workFile } from "./context";

const stack = process.env.E2E_REPO_STACK ?? "";
const FIXTURES = path.join(__dirname, "fixtures");
const repo = () => workFile("clusteros");
const agentSource = () => path.join(repo(), "node", "cmd", "node-agent", "main.go");
/** The libvirt names of the repository's stack: its own project's, not this one's. */
const prefix = () => `clusteros-${stack}`;
let destroyed = false;

/**
 * A shell command run in the repository, after `eval "$(npx lab env)"` as the docs say, with
 * the repository's own state directory and nothing of this run's Pulumi environment.
 */
const inRepo = (command: string, log?: string, env: Record<string, string> = {}) => run(["env",
    "-u", "PULUMI_HOME", "-u", "PULUMI_BACKEND_URL", "-u", "PULUMI_CONFIG_PASSPHRASE_FILE", "-u", "PULUMI_CONFIG_PASSPHRASE",
    `CLUSTEROS_LAB_STATE=${workFile("clusteros-state")}`, ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    "bash", "-c", `cd "$0" && eval "$(npx lab env)" && ${command}`, repo()], { log });

async function statusRows(): Promise<Row[]> {
    const r = await inRepo(`npx lab --stack ${stack} status --json`);
    return (JSON.parse(r.stdout) as { nodes: Row[] }).nodes;
}

async function sourceHash(): Promise<string> {
    const r = await inRepo(`pulumi stack output --stack ${stack} nodeAgent --json`);
    expectOk(r, "pulumi stack output nodeAgent");
    return (JSON.parse(r.stdout) as { sourceHash: string }).sourceHash;
}

describe.runIf(stack)("driven from a ClusterOS repository: the lab as a package", () => {
    afterAll(async () => {
        if (!destroyed && fs.existsSync(repo())) await inRepo(`npx lab in-place -- pulumi destroy --stack ${stack} --yes --skip-preview`, "repo-destroy.log");
    }, 900_000);

    it("make pack writes the package: its TypeScript compiled beside it, the libvirt SDK bundled", async () => {
        const r = await run(["make", "-s", "pack", `PACK_DIR=${workFile("pack")}`]);
        expectOk(r, "make pack");
        const tarball = r.stdout.trim().split("\n").pop()!;
        expect(path.basename(tarball)).toMatch(/^clusteros-lab-\d+\.\d+\.\d+\.tgz$/);
        const listed = await run(["tar", "tzf", tarball]);
        for (const f of ["lib.js", "lib.d.ts", "cli/lab.js", "testing/index.js", "images/debian/build-base.sh", "node_modules/@pulumi/libvirt/package.json"]) {
            expect(listed.stdout.split("\n"), f).toContain(`package/${f}`);
        }
        fs.mkdirSync(repo(), { recursive: true });
        fs.writeFileSync(workFile("tarball"), tarball);
    }, 300_000);

    it("a repository outside this tree installs it with npm, and npx lab setup readies this machine for it", async () => {
        for (const f of ["Pulumi.yaml", "index.js", "tests"]) fs.cpSync(path.join(FIXTURES, "repository", f), path.join(repo(), f), { recursive: true });
        fs.cpSync(path.join(FIXTURES, "node-agent-go"), path.join(repo(), "node"), { recursive: true });
        fs.cpSync(path.join(FIXTURES, "image-extras"), path.join(repo(), "image", "provision"), { recursive: true });
        const vitest = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")).devDependencies.vitest as string;
        fs.writeFileSync(path.join(repo(), "package.json"),
            renderFile(path.join(FIXTURES, "repository", "package.json.mustache"), { tarball: fs.readFileSync(workFile("tarball"), "utf8"), vitest }));
        expectOk(await run(["bash", "-c", 'cd "$0" && npm install --no-audit --no-fund', repo()], { log: "repo-npm.log" }), "npm install");
        const setup = await inRepo("npx lab setup", "repo-setup.log");
        expectOk(setup, "npx lab setup");
        expect(setup.output).toContain("setup complete");
    }, 900_000);

    it("npx lab up brings up its stack from its own program: its project's names, the agent built from its source, its image", async () => {
        const ci = stackFileConfig("ci");
        const settings: [string, string][] = [
            ...["imageFlavor", "domainType", "nodeMemoryMiB", "nodeVcpus", "nodeDiskGiB", "kubernetes"].map((k): [string, string] => [k, String(ci[k])]),
            ["nodeCount", "1"], ["nodeCidr", process.env.E2E_REPO_NODE_CIDR!], ["wireguardCidr", process.env.E2E_REPO_WG_CIDR!],
            ["nodeAgentSource", "node/cmd/node-agent"], ["nodeAgentDelivery", "live"], ["imageProvisionDir", "image/provision"],
        ];
        const init = await inRepo([`pulumi stack init ${stack} --secrets-provider passphrase`,
            ...settings.map(([k, v]) => `pulumi config set --stack ${stack} ${k} ${v}`),
            `pulumi config set --stack ${stack} --path 'imageExtraPackages[0]' tree`].join(" && "), "repo-init.log");
        expectOk(init, "pulumi stack init and config set");
        const up = await inRepo(`npx lab --stack ${stack} up`, "repo-up.log");
        expectOk(up, "npx lab up");
        expect(up.output).toContain(`${prefix()}-node-1`);
        const rows = await statusRows();
        expect(rows.map((r) => [r.node, r.healthy, r.agentBuild])).toEqual([["cluster-node-1", true, `src ${await sourceHash()}`]]);
    }, 1_800_000);

    it("its own cluster test passes on the packed test API (npx lab-test)", async () => {
        const r = await inRepo("npx lab-test tests", "repo-test.log", { STACK: stack });
        expectOk(r, "npx lab-test tests");
        // vitest's summary, its colours taken out: both tests of the repository's file ran and passed.
        expect(r.output.replace(/\x1b\[[0-9;]*m/g, "")).toMatch(/Tests\s+2 passed \(2\)/);
    }, 900_000);

    it("a one-line edit of the agent runs on every node after one npx lab up: delivered live, the image not rebuilt", async () => {
        const before = await sourceHash();
        fs.writeFileSync(agentSource(), fs.readFileSync(agentSource(), "utf8").replace("node-agent (go) starting", "node-agent (go, edited) starting"));
        const started = Date.now();
        const up = await inRepo(`npx lab --stack ${stack} up`, "repo-up-edit.log");
        expectOk(up, "npx lab up after the edit");
        console.log(`the edited agent ran on every node ${((Date.now() - started) / 1000).toFixed(0)} s after npx lab up began`);
        expect(up.output, "no image build").not.toMatch(/image-packer (creat|updat|replac)/);
        const after = await sourceHash();
        expect(after).not.toBe(before);
        expect((await statusRows()).map((r) => [r.healthy, r.agentBuild])).toEqual([[true, `src ${after}`]]);
        const journal = await inRepo(`npx lab --stack ${stack} exec 1 'sudo journalctl -u clusteros-node-agent -o cat --no-pager'`);
        expectOk(journal, "npx lab exec 1 journalctl");
        expect(journal.output).toContain("node-agent (go, edited) starting");
    }, 1_200_000);

    it("npx lab usb writes its image's release artifacts into its own dist/: the ISO, the raw image SHA256SUMS verifies, the network boot tree with each machine's seed", async () => {
        const mac = "52-54-00-aa-bb-01";
        fs.mkdirSync(path.join(repo(), "seeds", mac), { recursive: true });
        fs.writeFileSync(path.join(repo(), "seeds", mac, "user-data"), "#cloud-config\nhostname: rack1-node1\n");
        fs.writeFileSync(path.join(repo(), "seeds", mac, "meta-data"), "instance-id: rack1-node1\n");
        const r = await inRepo(`npx lab --stack ${stack} usb --seeds seeds`, "repo-usb.log");
        expectOk(r, "npx lab usb");
        const dist = path.join(repo(), "dist");
        for (const f of ["clusteros-installer.iso", "clusteros-node.raw.gz", "SHA256SUMS", "netboot/boot/grub/grub.cfg", `netboot/clusteros/seeds/${mac}/user-data`]) {
            expect(fs.existsSync(path.join(dist, f)), `dist/${f}`).toBe(true);
        }
        expectOk(await run(["bash", "-c", 'cd "$0" && sha256sum --check --quiet SHA256SUMS', dist]), "sha256sum --check in dist/");
        expect(fs.readFileSync(path.join(dist, "netboot", "clusteros", "seeds", mac, "user-data"), "utf8")).toContain("hostname: rack1-node1");
    }, 900_000);

    it("pulumi destroy leaves nothing of its stack on the daemon", async () => {
        expectOk(await inRepo(`npx lab in-place -- pulumi destroy --stack ${stack} --yes --skip-preview && pulumi stack rm ${stack} --yes`,
            "repo-destroy.log"), "pulumi destroy");
        destroyed = true;
        expect(await libvirtObjects(prefix())).toEqual([]);
    }, 900_000);
});
