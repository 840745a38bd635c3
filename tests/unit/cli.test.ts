// The cluster control CLI against a fake stack output.
import { describe, expect, it } from "vitest";
import { assess, formatAge } from "../../cli/health";
import { sshConfig } from "../../cli/ssh";
import { CliError, loadStack, nodeByNumber, parseStackOutputs } from "../../cli/stack";

const outputs = {
    nodes: [1, 2, 3].map((i) => ({
        name: `cluster-node-${i}`, domain: `clusteros-lab-ci-node-${i}`, ip: `10.79.0.${9 + i}`, wireguardIp: `10.80.0.${i}`,
        wireguardPublicKey: `key${i}=`, ssh: "", vncDisplay: "", serialLog: `/var/log/libvirt/qemu/n${i}.log`,
        roles: i === 1 ? ["slurm-controller"] : ["slurm-worker"],
    })),
    controller: "cluster-node-1", adminUser: "clusteros", libvirtUri: "qemu:///system",
    automationPrivateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nfake\n",
};
const info = parseStackOutputs("ci", JSON.stringify(outputs));

describe("stack outputs", () => {
    it("reads nodes, user and key from `pulumi stack output --json`", () => {
        expect(info.nodes.map((n) => n.name)).toEqual(["cluster-node-1", "cluster-node-2", "cluster-node-3"]);
        expect(info.adminUser).toBe("clusteros");
    });

    it("says which stack is not up, and how to bring it up", () => {
        expect(() => parseStackOutputs("ci", "{}")).toThrow(/stack 'ci' is not up.*make up STACK=ci/);
    });

    it("asks for a stack when none is selected", () => {
        expect(() => loadStack(undefined, () => "")).toThrow(/no stack selected/);
    });

    it("names a missing stack", () => {
        const failing = () => {
            throw Object.assign(new Error("x"), { stderr: "error: no stack named 'zz' found" });
        };
        expect(() => loadStack("zz", failing)).toThrow(/there is no stack 'zz'/);
    });

    it("rejects node numbers out of range with the valid range", () => {
        expect(nodeByNumber(info, "2").ip).toBe("10.79.0.11");
        expect(() => nodeByNumber(info, 4)).toThrow(new CliError("node 4 is out of range: stack 'ci' has nodes 1-3"));
        expect(() => nodeByNumber(info, "x")).toThrow(/out of range/);
    });
});

describe("health", () => {
    const healthy = { domainState: "running", reachable: true, cloudInit: "done", handshakeAges: [12, 40], slurm: "idle", k3s: "absent" };

    it("calls a running, configured node healthy and shows the oldest handshake", () => {
        const row = assess(info.nodes[0], healthy, 2, true, false);
        expect(row.healthy).toBe(true);
        expect(row.handshakes).toBe("2/2, oldest 40s");
        expect(row.k3s).toBe("off");
    });

    it("says why a node is unhealthy", () => {
        expect(assess(info.nodes[1], { domainState: "shut off", reachable: false }, 2, true, false).problems)
            .toEqual(["domain is shut off"]);
        const r = assess(info.nodes[1], { ...healthy, handshakeAges: [301], slurm: "down*", cloudInit: "running" }, 2, true, false);
        expect(r.problems).toEqual(["cloud-init running", "1 of 2 WireGuard peers", "1 stale WireGuard handshake", "SLURM down*"]);
    });

    it("takes an idle mesh's handshake, renewed only every two to three minutes, as fresh", () => {
        expect(assess(info.nodes[0], { ...healthy, handshakeAges: [175, 195] }, 2, true, false).healthy).toBe(true);
    });

    it("formats handshake ages", () => {
        expect(formatAge(Infinity)).toBe("never");
        expect(formatAge(59)).toBe("59s");
        expect(formatAge(600)).toBe("10m");
    });
});

describe("ssh-config", () => {
    it("has a Host entry per node with the key and no host-key prompts", () => {
        const text = sshConfig(info, "/home/me/lab.key", "lab.ssh");
        expect(text.match(/^Host cluster-node-\d$/gm)).toEqual(["Host cluster-node-1", "Host cluster-node-2", "Host cluster-node-3"]);
        expect(text).toContain("    HostName 10.79.0.12\n    User clusteros\n    IdentityFile /home/me/lab.key");
        expect(text).toContain("StrictHostKeyChecking no");
    });
});
