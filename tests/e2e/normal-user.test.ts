// A user in the libvirt group, without sudo (README, "As a normal user"): after `sudo make
// setup` in their own clone, they run make up, status, exec, ssh, checkpoint and restore, and
// make down in host mode, their Pulumi state and caches in their home; where root is needed
// (nftables faults, serial logs virtlogd keeps for root) the command says so.
// Here: a user made for the run (clab-user-<run pid>, removed afterwards, and by the sweep
// when a killed run left it), in the daemon's namespace, which stands in for the host.
// `sudo make setup` is root's setup.sh with SUDO_USER set, as sudo sets it. The user's caches
// start with copies of root's toolchain, node agent and images (built by this run's main
// stack, the same settings): building those as a user is not what this phase shows (see
// README, "As a normal user", for what the simulation leaves out).
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheDir, PROJECT_ROOT } from "../../components/plan/paths";
import { e2e, expectOk, inHost, run, script, stackOutputJson, virsh } from "./context";

const pid = /-(\d+)$/.exec(e2e.stack)?.[1] ?? String(process.pid);
const user = `clab-user-${pid}`;
const home = `/home/${user}`;
const clone = `${home}/clusteros-lab`;
const stack = `${e2e.stack}-user`;
/** The main stack's extra image package (tests/e2e/lib.sh): the same settings, so the same image. */
const extra = process.env.E2E_EXTRA_PACKAGES ?? "tree";

/** This machine's network settings (proxies, CA bundles), which a login here gets as root's does. */
const network = Object.entries(process.env)
    .filter(([k, v]) => v && /^(https?_proxy|no_proxy|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|GOPROXY)$/i.test(k))
    .map(([k, v]) => `${k}=${v}`);

/** bash -c `script` as the user, in their clone, with their login's environment only (nothing of root's). */
const asUser = (script: string, log?: string) => run(inHost(["runuser", "-u", user, "--",
    "env", "-i", `HOME=${home}`, `USER=${user}`, `LOGNAME=${user}`, "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", ...network,
    "bash", "-c", `cd ${clone} && ${script}`]), log ? { log } : {});

describe.runIf(process.env.E2E_NORMAL_USER)("a user in the libvirt group, without sudo", () => {
    beforeAll(async () => {
        expectOk(await run(["useradd", "-m", "-G", "libvirt", "-s", "/bin/bash", user]), "useradd");
        // Their own clone (root clones it: git refuses a repository another user owns).
        expectOk(await run(["git", "clone", "-q", PROJECT_ROOT, clone]), "git clone");
        // Caches as an earlier run of theirs would have left them (see above).
        const image = path.dirname((await stackOutputJson<{ path: string }>(e2e.stack, "image")).path);
        const base = await run([path.join(PROJECT_ROOT, "images/debian/build-base.sh"), "--extra-packages", extra, "--cached-only"]);
        expectOk(base, "the main stack's Debian base, cached");
        const theirs = `${home}/.cache/clusteros-lab`;
        fs.mkdirSync(`${theirs}/images`, { recursive: true });
        for (const dir of ["tools", "build", "agents"]) expectOk(await run(["cp", "-a", path.join(cacheDir(), dir), theirs]), `copy ${dir}`);
        for (const dir of [image, base.stdout.trim()]) expectOk(await run(["cp", "-a", dir, `${theirs}/images/`]), `copy ${dir}`);
        expectOk(await run(["chown", "-R", `${user}:${user}`, home]), "chown");
    }, 600_000);

    afterAll(async () => {
        await asUser(`make -s down STACK=${stack}`, "user-down-afterall.log");
        await run(["pkill", "-u", user]);
        await run(["userdel", "-r", user]);
    }, 600_000);

    it("sudo make setup: the host's packages as root, the rest as the user, in the user's home", async () => {
        // As sudo runs it: root, its environment reset but for the network's settings (env_keep),
        // SUDO_USER naming who ran it.
        const r = await run(["env", "-i", "HOME=/root", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", ...network,
            `SUDO_USER=${user}`, "bash", "-c", `cd ${clone} && make setup`], { log: "user-setup.log" });
        expectOk(r, "sudo make setup");
        expect(r.output).toContain(`the rest of the setup as ${user}, in ${user}'s home`);
        for (const f of [`${home}/.local/state/clusteros-lab/passphrase`, `${home}/.local/state/clusteros-lab/backend`]) {
            expect(fs.statSync(f).uid, f).toBe(Number((await run(["id", "-u", user])).stdout.trim()));
        }
    }, 900_000);

    it("make up as the user: host mode, a 1-node cluster, healthy", async () => {
        // The e2e gives ranges it took for this test (tests/e2e/e2e.sh), as another stack may
        // be taking free ones at the same time; alone, the test finds two free ones.
        const given = [process.env.E2E_USER_NODE_CIDR, process.env.E2E_USER_WG_CIDR].filter((r): r is string => !!r);
        const ranges = given.length === 2 ? given
            : (await run(inHost([script("lab.sh"), "networks", "--free", "2"]))).stdout.trim().split(/\s+/);
        expect(ranges).toHaveLength(2);
        const setup = [
            `pulumi stack init ${stack} --secrets-provider passphrase --no-select`,
            `grep -v '^encryptionsalt' Pulumi.ci.yaml | sed '/^config:/,$!d' >> Pulumi.${stack}.yaml`,
            `pulumi config set --stack ${stack} nodeCount 1`,
            `pulumi config set --stack ${stack} nodeCidr ${ranges[0]}`,
            `pulumi config set --stack ${stack} wireguardCidr ${ranges[1]}`,
            `pulumi config set --stack ${stack} nodeAgentSource ${clone}/tests/e2e/fixtures/node-agent-go/cmd/node-agent`,
            `pulumi config set --stack ${stack} --path 'imageExtraPackages[0]' ${extra}`,
            `pulumi config set --stack ${stack} imageProvisionDir ${clone}/tests/e2e/fixtures/image-extras`,
        ];
        expectOk(await asUser(`eval "$(make -s env)" && ${setup.join(" && ")}`, "user-stack.log"), "the user's stack");
        const r = await asUser(`make up STACK=${stack}`, "user-up.log");
        expectOk(r, "make up as the user");
        expect(r.output).toContain("host mode: the libvirt daemon");
        expect(r.output, "the image was found in the user's cache, not built").not.toContain("packer build");
    }, 1_800_000);

    it("its state and seeds are in the user's home, and no file of it is root's", async () => {
        const state = `${home}/.local/state/clusteros-lab`;
        expect(fs.readdirSync(`${state}/backend/.pulumi/stacks/clusteros-lab`)).toContain(`${stack}.json`);
        const roots = await run(["find", home, "-user", "root"]);
        expect(roots.stdout.trim(), "files of root's in the user's home").toBe("");
    });

    it("status, exec and ssh-config as the user", async () => {
        expectOk(await asUser(`make -s status STACK=${stack}`), "make status");
        const r = await asUser(`make -s exec STACK=${stack} N=1 CMD='hostname && sinfo -h -o %t'`);
        expectOk(r, "make exec");
        expect(r.stdout).toContain("cluster-node-1");
        expect(r.stdout).toContain("idle");
        const cfg = await asUser(`scripts/lab.sh --stack ${stack} ssh-config ${home}/lab.ssh && ssh -F ${home}/lab.ssh cluster-node-1 true`);
        expectOk(cfg, "ssh with the config lab ssh-config wrote");
    }, 300_000);

    it("checkpoint and restore as the user: a file written after the checkpoint is gone", async () => {
        expectOk(await asUser(`make -s checkpoint STACK=${stack} NAME=mine`), "make checkpoint");
        expectOk(await asUser(`make -s exec STACK=${stack} N=1 CMD='touch /tmp/after-checkpoint'`), "make exec");
        expectOk(await asUser(`make -s restore STACK=${stack} NAME=mine`, "user-restore.log"), "make restore");
        const r = await asUser(`make -s exec STACK=${stack} N=1 CMD='test ! -e /tmp/after-checkpoint && echo gone'`);
        expect(r.stdout).toContain("gone");
    }, 300_000);

    it("where root is needed, the command says so: a partition, and the serial log virtlogd keeps for root", async () => {
        const part = await asUser(`scripts/lab.sh --stack ${stack} partition 1 2`);
        expect(part.code).not.toBe(0);
        expect(part.output).toMatch(/nftables rules on the lab's bridges, which needs root .*run the same command with sudo/);
        const logs = await asUser(`scripts/lab.sh --stack ${stack} logs 1`);
        expect(logs.code).not.toBe(0);
        expect(logs.output).toMatch(/readable by root only .*: sudo scripts\/lab.sh --stack \S+ logs 1/);
        const heal = await asUser(`scripts/lab.sh --stack ${stack} heal`);
        expectOk(heal, "lab heal: what the user may heal");
        expect(heal.output).toMatch(/left as they are: .*needs root/);
    }, 300_000);

    it("make down as the user: nothing of the stack is left on the daemon", async () => {
        expectOk(await asUser(`make -s down STACK=${stack}`, "user-down.log"), "make down");
        const left = (await virsh("list", "--all", "--name")).stdout.split("\n").filter((d) => d.includes(`-${stack}-`));
        expect(left).toEqual([]);
    }, 600_000);
});
