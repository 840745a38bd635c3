// The sweep before make test's e2e (lab/sweep.ts, `lab sweep`): what a killed run left is removed,
// only when it is a test run's and that run is gone; the user's stacks and a live run's are not.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sweepLeftovers, sweepLibvirt, sweepOwner } from "../../lab/sweep";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sweep-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** What the sweep says, run with these commands in the PATH and these settings. */
function said(sweep: (lines: string[]) => void): string {
    const lines: string[] = [];
    sweep(lines);
    return lines.join("\n");
}

/** A pid no process has any more: a process that ran and ended. */
const deadPid = () => spawnSync("true").pid!;

describe("sweep", () => {
    it("knows a test run's stacks and namespaces, and the run's pid, by their names alone", () => {
        const owners = (names: string[]) => names.map((n) => { const o = sweepOwner(n); return o ? `${o.kind} ${o.pid}` : ""; });
        expect(owners(["e2e-1796272642-21279", "e2e-1796272642-21279-b", "e2e-1796272642-21279-own", "e2e-1796272642-21279-agent", "mh-1796-77", "k8s-1796-78",
            "clab-e2e-21279", "clab-h2-77", "clab-fail-5", "clab-k8s-78"]))
            .toEqual(["e2e 21279", "e2e 21279", "e2e 21279", "e2e 21279", "mh 77", "k8s 78", "e2e 21279", "h2 77", "fail 5", "k8s 78"]);
        // Anything else is the user's: never swept.
        expect(owners(["ci", "dev", "e2e", "e2e-prod", "my-e2e-1-2", "e2e-1-2-x", "bench-1796", "clusteros-lab", "clab-mine", "clab-e2e"]))
            .toEqual(Array(10).fill(""));
    });

    it("removes a gone run's stack (destroyed in its namespace), namespaces and scratch; leaves the user's and a live run's", () => {
        const dead = deadPid();
        const live = process.pid;
        // Fakes of pulumi and ip that log their calls; the namespaces of both runs exist.
        const bin = path.join(dir, "bin");
        const log = path.join(dir, "calls.log");
        fs.mkdirSync(bin, { recursive: true });
        const stacks = ["ci", `e2e-100-${dead}`, `e2e-100-${dead}-b`, `e2e-100-${live}`].map((name) => ({ name }));
        fs.writeFileSync(path.join(bin, "pulumi"), `#!/bin/sh\necho "pulumi $*" >> ${log}\n`
            + `[ "$1 $2" = "stack ls" ] && echo '${JSON.stringify(stacks)}'\nexit 0\n`, { mode: 0o755 });
        // The normal-user phase's accounts: a gone run's, a live run's, and a user's own.
        fs.writeFileSync(path.join(bin, "getent"), `#!/bin/sh\nprintf 'root:x:0:0::/root:/bin/bash\\nclab-user-${dead}:x:1001:1001::/home/clab-user-${dead}:/bin/bash\\n`
            + `clab-user-${live}:x:1002:1002::/home/clab-user-${live}:/bin/bash\\nclab-user-mine:x:1003:1003::/home/clab-user-mine:/bin/bash\\n'\n`, { mode: 0o755 });
        for (const cmd of ["userdel", "pkill"]) fs.writeFileSync(path.join(bin, cmd), `#!/bin/sh\necho "${cmd} $*" >> ${log}\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(bin, "ip"), `#!/bin/sh\n`
            + `case "$1 $2 $3" in "netns list"*) printf 'clab-e2e-${dead} (id: 1)\\nclab-h2-${dead}\\nclab-e2e-${live}\\nclusteros-lab\\n' ;;\n`
            + `"netns exec"*) shift 3; "$@" ;;\n*) echo "ip $*" >> ${log} ;; esac\n`, { mode: 0o755 });
        const scratch = (pid: number, of = "e2e") => { const d = fs.mkdtempSync(path.join(dir, `clusteros-${of}.`)); fs.writeFileSync(path.join(d, "pid"), `${pid}\n`); return d; };
        // An e2e script's scratch, and make test's own (scripts/test.ts: the results it counts).
        const [gone, going, goneResults] = [scratch(dead), scratch(live), scratch(dead, "test")];
        try {
            // The libvirt files it looks at live under a scratch root (sweepLibvirt has its own test).
            const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, CLUSTEROS_LAB_STATE: path.join(dir, "state") };
            const out = said((lines) => sweepLeftovers({ env, scratchRoot: dir, libvirtRoot: path.join(dir, "no-root"), say: (l) => lines.push(l) }));
            const calls = fs.readFileSync(log, "utf8");
            for (const s of [`e2e-100-${dead}`, `e2e-100-${dead}-b`]) {
                expect(calls).toContain(`pulumi destroy --stack ${s} --yes --skip-preview`);
                expect(calls).toContain(`pulumi stack rm ${s} --yes --force`);
                expect(out).toContain(`sweep: removed stack ${s}, left by test run ${dead}`);
            }
            expect(calls).toContain(`ip netns delete clab-e2e-${dead}`);
            expect(calls).toContain(`ip netns delete clab-h2-${dead}`);
            expect(calls).toContain(`userdel -r clab-user-${dead}`);
            expect(out).toContain(`sweep: removed user clab-user-${dead} and its home, left by test run ${dead}`);
            expect(calls).not.toMatch(new RegExp(`userdel -r clab-user-(mine|${live})\\b`));
            expect(calls).not.toMatch(new RegExp(`--stack (ci|e2e-100-${live})\\b|stack rm (ci|e2e-100-${live})\\b|delete (clab-e2e-${live}|clusteros-lab)`));
            expect([fs.existsSync(gone), fs.existsSync(going), fs.existsSync(goneResults)]).toEqual([false, true, false]);
        } finally {
            fs.rmSync(gone, { recursive: true, force: true });
            fs.rmSync(going, { recursive: true, force: true });
            fs.rmSync(goneResults, { recursive: true, force: true });
        }
    });

    it("removes libvirt's definitions, autostart links, variable stores, disks and a killed daemon's run state of a gone run's stack, however it was lost; no one else's", () => {
        const dead = deadPid();
        const live = process.pid;
        const root = fs.mkdtempSync(path.join(dir, "root-"));
        const file = (rel: string) => {
            fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
            fs.writeFileSync(path.join(root, rel), "<x/>");
            return rel;
        };
        const gone = [
            file(`etc/libvirt/qemu/clusteros-lab-e2e-100-${dead}-node-1.xml`), file(`etc/libvirt/qemu/clusteros-lab-e2e-100-${dead}-b-node-1.xml`),
            file(`var/lib/libvirt/qemu/nvram/clusteros-lab-e2e-100-${dead}-b-node-1_VARS.fd`),
            file(`etc/libvirt/qemu/networks/clusteros-lab-mh-100-${dead}-net.xml`), file(`etc/libvirt/qemu/networks/autostart/clusteros-lab-mh-100-${dead}-net.xml`),
            file(`etc/libvirt/storage/clusteros-lab-e2e-100-${dead}-agent-pool.xml`), file(`var/lib/libvirt/images/clusteros-lab-e2e-100-${dead}/disk.qcow2`),
            // What its daemon, killed while the nodes ran, kept of them.
            file(`run/libvirt/qemu/clusteros-lab-e2e-100-${dead}-node-1.xml`), file(`run/libvirt/qemu/clusteros-lab-e2e-100-${dead}-node-1.pid`),
            file(`run/libvirt/network/clusteros-lab-mh-100-${dead}-net.pid`), file(`run/libvirt/network/clusteros-lab-mh-100-${dead}-net/ports/x`),
            // Its provisioning network (netbootCidr): the dnsmasq pid file a destroy in the namespace leaves.
            file(`etc/libvirt/qemu/networks/clusteros-lab-e2e-100-${dead}-netboot.xml`), file(`run/libvirt/network/clusteros-lab-e2e-100-${dead}-netboot.pid`),
            // The normal user's stack (its state went with the user's home).
            file(`etc/libvirt/qemu/clusteros-lab-e2e-100-${dead}-user-node-1.xml`), file(`var/lib/libvirt/images/clusteros-lab-e2e-100-${dead}-user/disk.qcow2`),
            // The stack of the e2e's ClusterOS repository, under that repository's own project.
            file(`etc/libvirt/qemu/clusteros-e2e-100-${dead}-repo-node-1.xml`), file(`var/lib/libvirt/images/clusteros-e2e-100-${dead}-repo/disk.qcow2`),
        ];
        const kept = [
            file("etc/libvirt/qemu/clusteros-lab-ci-node-1.xml"), file("etc/libvirt/qemu/networks/clusteros-lab-dev.xml"),
            file("run/libvirt/qemu/clusteros-lab-ci-node-1.xml"), file(`run/libvirt/qemu/clusteros-lab-e2e-100-${live}-node-1.pid`),
            file(`run/libvirt/network/clusteros-lab-e2e-100-${live}-netboot.pid`), file("run/libvirt/network/clusteros-lab-ci-netboot.pid"),
            file(`etc/libvirt/qemu/clusteros-lab-e2e-100-${live}-node-1.xml`), file(`var/lib/libvirt/images/clusteros-lab-e2e-100-${live}/disk.qcow2`),
            file(`etc/libvirt/qemu/other-e2e-100-${dead}-node-1.xml`), file("var/lib/libvirt/images/clusteros-lab-ci/disk.qcow2"),
            file(`etc/libvirt/qemu/clusteros-e2e-100-${live}-repo-node-1.xml`), file("etc/libvirt/qemu/clusteros-dev-node-1.xml"),
            // A user's stack whose name only starts like a test run's.
            file(`etc/libvirt/qemu/networks/clusteros-lab-e2e-100-${dead}-mine-net.xml`),
        ];
        // No daemon answers here (a virsh that fails): the files themselves go.
        const bin = path.join(root, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(path.join(bin, "virsh"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
        const out = said((lines) => sweepLibvirt(root, { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, say: (l) => lines.push(l) }));
        expect(gone.filter((f) => fs.existsSync(path.join(root, f)))).toEqual([]);
        expect(fs.existsSync(path.join(root, `run/libvirt/network/clusteros-lab-mh-100-${dead}-net`))).toBe(false);
        expect(kept.filter((f) => !fs.existsSync(path.join(root, f)))).toEqual([]);
        expect(out).toContain(`sweep: removed libvirt domain clusteros-lab-e2e-100-${dead}-node-1, left by test run ${dead}`);
        expect(out).toContain(`sweep: removed libvirt net clusteros-lab-mh-100-${dead}-net, left by test run ${dead}`);
    });
});
