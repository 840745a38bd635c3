// Where the lab runs (lab/mode.ts), on the e2e's running stack. Where the libvirt daemon runs
// (inHost: a shell on a host whose libvirt is a system service) the lab detects host mode:
// the stack outputs' ssh command works verbatim with a user's own key, lab status and lab vnc
// work. From the test's own shell, outside the daemon's namespace, it detects namespace mode
// and enters the namespace itself: lab status, plain ssh with lab ssh-config, and lab vnc
// forwarding a node's display to this side's 127.0.0.1. Node 2 and node 1 are reached.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { e2e, eventually, inHost, run, script, stackOutputJson, tail, workFile } from "./context";

const lab = (...args: string[]) => [script("lab.sh"), "--stack", e2e.stack, ...args];
/** The first bytes a VNC server sends on 127.0.0.1:port ("RFB 003.008"), read where wrap runs. */
const vncBanner = async (port: string, wrap = (argv: string[]) => argv) =>
    (await run(wrap(["timeout", "10", "bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${port} && head -c 11 <&3`]))).stdout;

describe("host and namespace mode", () => {
    const forwarders: ReturnType<typeof spawn>[] = [];
    afterAll(() => { for (const f of forwarders) f.kill(); });

    it("where the libvirt daemon runs, the lab detects host mode", async () => {
        const r = await run(inHost([script("libvirtd.sh"), "mode"]));
        expect(r.output.trim(), tail(r)).toMatch(/^host mode/);
    });

    it.runIf(e2e.hostns)(`outside the daemon's namespace, the lab detects namespace mode (${e2e.hostns})`, async () => {
        const r = await run([script("libvirtd.sh"), "mode"]);
        expect(r.output.trim(), tail(r)).toMatch(new RegExp(`^namespace mode \\(${e2e.hostns}\\)`));
    });

    it("host mode: the ssh command of the stack outputs works verbatim (as a user's own key)", async () => {
        const cmd = (await stackOutputJson<{ ssh: string }[]>(e2e.stack, "nodes"))[1].ssh;
        const sock = workFile("agent.sock");
        fs.rmSync(sock, { force: true });
        const agent = await run(["ssh-agent", "-a", sock, "-s"]);
        const pid = /SSH_AGENT_PID=(\d+)/.exec(agent.stdout)?.[1];
        try {
            expect((await run(["ssh-add", "-q", workFile("user")], { env: { SSH_AUTH_SOCK: sock } })).code).toBe(0);
            const r = await run(inHost(["env", `SSH_AUTH_SOCK=${sock}`, "timeout", "60", "bash", "-c", `${cmd} hostname </dev/null`]));
            expect(r.stdout.trim(), `${cmd}\n${tail(r)}`).toBe("cluster-node-2");
        } finally {
            if (pid) process.kill(Number(pid));
        }
    }, 120_000);

    it("host mode: lab status is healthy", async () => {
        const r = await run(inHost(lab("status")), { log: "status-host.log" });
        expect(r.code, tail(r)).toBe(0);
    }, 120_000);

    it("host mode: lab vnc prints a display that answers as VNC", async () => {
        const out = (await run(inHost(lab("vnc", "1")))).stdout.trim();
        const port = out.slice(out.lastIndexOf(":") + 1);
        expect(await vncBanner(port, inHost), out).toBe("RFB 003.008");
    }, 60_000);

    // Skipped, and so recorded, when the daemon runs in this very namespace (a real system libvirt).
    describe.runIf(e2e.hostns)("namespace mode, from the test's own shell: lab enters the namespace itself", () => {
        it("namespace mode: lab status is healthy without ip netns exec", async () => {
            const r = await run(lab("status"), { log: "status-ns.log" });
            expect(r.code, tail(r)).toBe(0);
        }, 120_000);

        it("namespace mode: plain ssh -F with lab ssh-config reaches node 2", async () => {
            expect((await run(lab("ssh-config", workFile("ns.ssh")))).code).toBe(0);
            const r = await run(["timeout", "60", "ssh", "-F", workFile("ns.ssh"), "cluster-node-2", "hostname"], { input: "" });
            expect(r.stdout.trim(), tail(r)).toBe("cluster-node-2");
        }, 120_000);

        it("namespace mode: lab vnc forwards node 2's display to this host's 127.0.0.1", async () => {
            const [command, ...args] = lab("vnc", "2");
            const fwd = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
            forwarders.push(fwd);
            let said = "";
            fwd.stdout!.on("data", (d: Buffer) => { said += d.toString(); });
            fwd.stderr!.on("data", (d: Buffer) => { said += d.toString(); });
            const port = () => /vnc:\/\/127\.0\.0\.1:(\d+)/.exec(said)?.[1];
            expect(await eventually(30, () => port() !== undefined, 1000), said).toBe(true);
            expect(await vncBanner(port()!), said).toBe("RFB 003.008");
        }, 60_000);
    });
});
