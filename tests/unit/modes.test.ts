// Where the lab runs (lab/mode.ts) and what that changes for a person: which mode a
// machine gets, and how the printed and spawned commands reach nodes in each mode.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { HOST_KEY_OPTIONS } from "../../components/exec/ssh";
import { sshCommand, vncCommand } from "../../components/plan/access";
import { inPlace, labNetns } from "../../cli/place";
import { connectionsDir, forgetConnections, sshArgvOf, sshConfig } from "../../cli/ssh";
import { parseStackOutputs } from "../../cli/stack";
import { vncPort } from "../../cli/vnc";
import { labMode, ModeFacts } from "../../lab/mode";

const ROOT = path.join(__dirname, "..", "..");

interface Facts { pid?: number; visible?: boolean; sameNetns?: boolean; netnsOf?: string; systemd?: boolean; env?: Record<string, string> }

/** This machine's mode as lab/mode.ts decides it with these facts in place of the machine's: "MODE|NETNS|WHY". */
function mode(f: Facts): string {
    const facts: ModeFacts = {
        daemonPid: () => f.pid,
        netnsVisible: () => f.visible !== false,
        sameNetns: () => Boolean(f.sameNetns),
        netnsOf: () => f.netnsOf ?? "",
        systemd: () => Boolean(f.systemd),
    };
    const m = labMode(f.env ?? {}, facts);
    return `${m.mode}|${m.netns}|${m.why}`;
}

describe("mode of a machine", () => {
    it("uses a workstation's running libvirt service as it is (host mode)", () => {
        expect(mode({ pid: 812, sameNetns: true, systemd: true }))
            .toBe("host||host mode: the libvirt daemon (pid 812) runs here; the lab uses it as it is");
    });

    it("uses the workstation's libvirt service as it is for a user in the libvirt group, who may not look into root's namespace (host mode)", () => {
        expect(mode({ pid: 812, visible: false, systemd: true }))
            .toBe("host||host mode: the libvirt daemon (pid 812) runs as another user, as a system service does; the lab uses it as it is");
    });

    it("is host mode on a systemd machine whose libvirt starts on demand", () => {
        expect(mode({ systemd: true })).toMatch(/^host\|\|host mode: systemd is PID 1/);
    });

    it("joins the namespace where a lab daemon already runs", () => {
        expect(mode({ pid: 77, sameNetns: false, netnsOf: "clusteros-lab" }))
            .toBe("namespace|clusteros-lab|namespace mode (clusteros-lab): the libvirt daemon (pid 77) runs in network namespace clusteros-lab");
    });

    it("runs its own daemon in namespace clusteros-lab where nothing runs and there is no systemd (sandboxes, CI)", () => {
        expect(mode({})).toMatch(/^namespace\|clusteros-lab\|namespace mode \(clusteros-lab\): no libvirt daemon runs and PID 1 is not systemd/);
    });

    it("lets NETNS or MODE choose, over what it detects", () => {
        expect(mode({ pid: 812, sameNetns: true, env: { CLUSTEROS_LAB_NETNS: "mine" } })).toMatch(/^namespace\|mine\|/);
        expect(mode({ pid: 77, netnsOf: "clusteros-lab", env: { CLUSTEROS_LAB_MODE: "host" } })).toMatch(/^host\|\|/);
        expect(mode({ systemd: true, env: { CLUSTEROS_LAB_MODE: "namespace" } })).toMatch(/^namespace\|clusteros-lab\|/);
        // make passes NETNS= and MODE= through as empty variables: empty is not a choice.
        expect(mode({ pid: 77, netnsOf: "clusteros-lab", env: { CLUSTEROS_LAB_MODE: "", CLUSTEROS_LAB_NETNS: "" } })).toMatch(/^namespace\|clusteros-lab\|/);
    });

    it("names the variable and the choices for an unknown MODE, from the command too", () => {
        expect(() => mode({ env: { CLUSTEROS_LAB_MODE: "vm" } })).toThrow(/CLUSTEROS_LAB_MODE \(make MODE=\) is 'vm': use host or namespace/);
        const r = spawnSync("bash", ["scripts/lab.sh", "mode"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, CLUSTEROS_LAB_MODE: "vm" } });
        expect(r.status).not.toBe(0);
        expect(r.stderr).toContain("lab: CLUSTEROS_LAB_MODE (make MODE=) is 'vm'");
    });

    it("runs a command in place with the namespace named in its environment, and gives back its exit code", () => {
        const r = spawnSync("bash", ["scripts/lab.sh", "in-place", "--", "sh", "-c", "echo \"[$CLUSTEROS_LAB_NETNS]\"; exit 3"],
            { cwd: ROOT, encoding: "utf8", env: { ...process.env, CLUSTEROS_LAB_MODE: "host" } });
        expect(r.stdout.trim()).toBe("[]");
        expect(r.status).toBe(3);
    });
});

const info = parseStackOutputs("ci", JSON.stringify({
    nodes: [{ name: "cluster-node-1", domain: "d1", ip: "10.79.0.10", wireguardIp: "10.80.0.1", wireguardPublicKey: "k",
        ssh: "", vncDisplay: "", serialLog: "", roles: [] }],
    adminUser: "clusteros", libvirtUri: "qemu:///system", automationPrivateKey: "key",
}));

describe("reaching nodes in each mode", () => {
    it("prints an ssh command that runs as it is, entering the namespace in namespace mode", () => {
        expect(sshCommand({ hostKeyOptions: HOST_KEY_OPTIONS }, "clusteros", "10.77.0.10"))
            .toBe("ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null clusteros@10.77.0.10");
        expect(sshCommand({ netns: "clusteros-lab", hostKeyOptions: HOST_KEY_OPTIONS }, "clusteros", "10.77.0.10"))
            .toBe("ip netns exec clusteros-lab ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null clusteros@10.77.0.10");
        expect(vncCommand({}, "ci", 2)).toBe("scripts/lab.sh --stack ci vnc 2");
        // A ClusterOS repository's program, with the lab as a package.
        expect(vncCommand({ labCommand: "npx lab" }, "dev", 2)).toBe("npx lab --stack dev vnc 2");
    });

    it("spawns ssh through the namespace only in namespace mode", () => {
        expect(labNetns({ CLUSTEROS_LAB_NETNS: "", CLUSTEROS_LAB_MODE: "host" })).toBeUndefined();
        expect(labNetns({ CLUSTEROS_LAB_NETNS: "clusteros-lab" })).toBe("clusteros-lab");
        expect(inPlace(["socat", "STDIO", "TCP:127.0.0.1:5900"], "ns1"))
            .toEqual(["ip", "netns", "exec", "ns1", "socat", "STDIO", "TCP:127.0.0.1:5900"]);
        const host = sshArgvOf(info, info.nodes[0], "/k", "batch", [], "");
        expect(host[0]).toBe("ssh");
        expect(host.at(-1)).toBe("clusteros@10.79.0.10");
        expect(sshArgvOf(info, info.nodes[0], "/k", "batch", [], "ns1").slice(0, 5)).toEqual(["ip", "netns", "exec", "ns1", "ssh"]);
    });

    it("shares connections per stack and place, in a private directory a socket's path fits in, forgotten on demand", () => {
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "c"));
        const env = { TMPDIR: tmp };
        const [a, b, c] = [connectionsDir("ci", "clusteros-lab", env), connectionsDir("ci", "", env), connectionsDir("dev", "clusteros-lab", env)];
        expect(new Set([a, b, c]).size).toBe(3);
        for (const d of [a!, b!, c!]) {
            expect(fs.statSync(d).mode & 0o777).toBe(0o700);
            expect(d.length + 1 + 40 + 17).toBeLessThanOrEqual(107);
        }
        expect(connectionsDir("ci", "clusteros-lab", env)).toBe(a);
        // A temporary directory too deep for a socket: no sharing rather than a failing ssh.
        expect(connectionsDir("ci", "ns", { TMPDIR: path.join(tmp, "d".repeat(80)) })).toBeUndefined();
        // A directory others can enter is not used.
        fs.chmodSync(a!, 0o755);
        expect(connectionsDir("ci", "clusteros-lab", env)).toBeUndefined();
        fs.chmodSync(a!, 0o700);
        fs.writeFileSync(path.join(a!, "0123abcd"), "");
        forgetConnections("ci", "clusteros-lab", env);
        expect(fs.readdirSync(a!)).toEqual([]);
        const batch = sshArgvOf(info, info.nodes[0], "/k", "batch", [], "ns1").join(" ");
        expect(batch).toMatch(/ControlPath=\S+\/%C/);
        expect(sshArgvOf(info, info.nodes[0], "/k", "interactive", [], "ns1").join(" ")).not.toContain("ControlPath");
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("writes an ssh_config whose plain ssh enters the namespace by ProxyCommand, and none in host mode", () => {
        expect(sshConfig(info, "/k", "ci.ssh", "clusteros-lab"))
            .toContain("    ProxyCommand ip netns exec clusteros-lab socat STDIO TCP:%h:%p\n");
        expect(sshConfig(info, "/k", "ci.ssh", "")).not.toContain("ProxyCommand");
    });

    it("turns virsh's VNC display into its TCP port", () => {
        expect(vncPort("127.0.0.1:0")).toBe(5900);
        expect(vncPort(":12\n")).toBe(5912);
        expect(() => vncPort("none")).toThrow(/not a VNC display/);
    });
});
