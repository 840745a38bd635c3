// Cluster checkpoints: what is recorded, and when a restore is refused (cli/checkpoint-plan.ts).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
    checkNames, checkpointFiles, checkpointKind, checkpointRows, checkpointsJson, ClusterShape, formatBytes, manifestOf, nodeCheckpointDir,
    parseDominfo, parseManifest, restoreProblems,
} from "../../cli/checkpoint-plan";

const node = (i: number, memoryKiB = 1048576) => ({ domain: `clusteros-lab-ci-node-${i}`, memoryKiB, vcpus: 1 });
const shape = (count: number, imageHash = "abc123"): ClusterShape => ({
    stack: "ci", imageHash, nodes: Array.from({ length: count }, (_, i) => node(i + 1)),
});
const at = new Date("2026-11-26T10:00:00Z");
const saved = manifestOf("ready", shape(3), at);

describe("checkpoint manifests", () => {
    it("round-trips through a snapshot description and ignores snapshots that are not ours", () => {
        expect(parseManifest(JSON.stringify(saved))).toEqual(saved);
        expect(parseManifest("before the upgrade")).toBeUndefined();
        expect(parseManifest(JSON.stringify({ name: "x" }))).toBeUndefined();
    });

    it("reads memory and vCPUs from virsh dominfo", () => {
        const text = "Id:             3\nName:           n1\nCPU(s):         2\nMax memory:     2097152 KiB\nUsed memory:    2097152 KiB\n";
        expect(parseDominfo("n1", text)).toEqual({ domain: "n1", memoryKiB: 2097152, vcpus: 2 });
        expect(() => parseDominfo("n1", "Id: 3\n")).toThrow(/dominfo n1 has no 'Max memory' line/);
    });

    it("takes names libvirt and a shell take as they are, and says what a name may be", () => {
        expect(checkNames("ready-2.b_1")).toBe("ready-2.b_1");
        for (const bad of ["", "-x", "a b", "a/b", "x".repeat(65)]) expect(() => checkNames(bad)).toThrow(/letters, digits/);
    });
});

describe("how a stack is checkpointed", () => {
    const uefi = "<domain><os><loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader><nvram>/x_VARS.fd</nvram></os></domain>";
    const bios = "<domain><os><type arch='x86_64'>hvm</type></os></domain>";
    const version = (v: string) => `Compiled against library: libvirt 9.0.0\nUsing library: libvirt ${v}\nUsing API: QEMU ${v}\nRunning hypervisor: QEMU 7.2.0\nRunning against daemon: ${v}\n`;

    it("as snapshots, except UEFI nodes on a libvirt that refuses internal snapshots of pflash domains (before 10.10): files", () => {
        expect(checkpointKind(bios, version("9.0.0"))).toBe("snapshots");
        expect(checkpointKind(uefi, version("9.0.0"))).toBe("files");   // Debian 12
        expect(checkpointKind(uefi, version("10.0.0"))).toBe("files");  // Ubuntu 24.04
        expect(checkpointKind(uefi, version("10.9.5"))).toBe("files");
        expect(checkpointKind(uefi, version("10.10.0"))).toBe("snapshots");
        expect(checkpointKind(uefi, version("11.2.0"))).toBe("snapshots");
    });

    it("keeps a UEFI node's files beside the stack's seeds, which go on destroy, one directory per checkpoint", () => {
        const dir = nodeCheckpointDir("/root/.local/state/clusteros-lab/seeds/clusteros-lab-ci", "clusteros-lab-ci-node-2");
        expect(dir).toBe("/root/.local/state/clusteros-lab/seeds/clusteros-lab-ci/checkpoints/clusteros-lab-ci-node-2");
        expect(checkpointFiles(`${dir}/ready`)).toEqual({ manifest: `${dir}/ready/manifest.json`, disk: `${dir}/ready/disk.qcow2`, memory: `${dir}/ready/memory.save` });
    });
});

describe("restore", () => {
    it("goes ahead when the cluster has the checkpoint's shape", () => {
        expect(restoreProblems("ready", shape(3), [saved, saved, saved])).toEqual([]);
    });

    it("is refused after a scale-out, naming the new node and the node count", () => {
        const problems = restoreProblems("ready", shape(4), [saved, saved, saved, undefined]);
        expect(problems).toContain("clusteros-lab-ci-node-4 has no snapshot 'ready': it was created or replaced after the checkpoint");
        expect(problems.join("\n")).toMatch(/the checkpoint has 3 nodes, the cluster now 4: set nodeCount back to 3/);
    });

    it("is refused after a new image or a memory change", () => {
        const now = { ...shape(3, "def456"), nodes: [node(1), node(2, 2097152), node(3)] };
        expect(restoreProblems("ready", now, [saved, saved, saved])).toEqual([
            "the checkpoint was taken on image abc123, the nodes now use def456",
            "clusteros-lab-ci-node-2 had 1048576 KiB of memory, now 2097152 KiB",
        ]);
    });

    it("is refused when a node's snapshot of that name is from another checkpoint", () => {
        const other = manifestOf("ready", shape(3), new Date("2026-11-26T11:00:00Z"));
        expect(restoreProblems("ready", shape(3), [saved, other, saved]))
            .toEqual(["clusteros-lab-ci-node-2's snapshot 'ready' belongs to another checkpoint"]);
    });

    it("names a checkpoint the stack does not have", () => {
        expect(restoreProblems("gone", shape(3), [undefined, undefined, undefined]))
            .toEqual(["stack 'ci' has no checkpoint 'gone' (lab checkpoint list shows what it has)"]);
    });
});

describe("checkpoint list", () => {
    it("has one row per checkpoint, oldest first, with the memory saved over all nodes", () => {
        const later = manifestOf("after-test", shape(3), new Date("2026-11-26T12:00:00Z"));
        const perNode = [1, 2, 3].map(() => [
            { name: "after-test", manifest: later, vmStateBytes: 100 * 1024 * 1024 },
            { name: "by-hand", vmStateBytes: 5 },
            { name: "ready", manifest: saved, vmStateBytes: 200 * 1024 * 1024 },
        ]);
        expect(checkpointRows(perNode)).toEqual([
            { name: "ready", createdAt: saved.createdAt, nodes: 3, memoryStateBytes: 600 * 1024 * 1024 },
            { name: "after-test", createdAt: later.createdAt, nodes: 3, memoryStateBytes: 300 * 1024 * 1024 },
        ]);
        expect(formatBytes(600 * 1024 * 1024)).toBe("600.0 MiB");
        expect(formatBytes(512)).toBe("512 B");
    });

    it("lab checkpoint list --json: each checkpoint with its time, nodes out of the stack's, saved memory in bytes, and the disks' total", () => {
        const rows = [{ name: "ready", createdAt: saved.createdAt, nodes: 2, memoryStateBytes: 1024 }];
        expect(JSON.parse(checkpointsJson("ci", rows, 3, 5_000_000))).toEqual({
            stack: "ci",
            checkpoints: [{ name: "ready", takenAt: saved.createdAt, nodes: 2, of: 3, memoryStateBytes: 1024 }],
            nodeDiskBytes: 5_000_000,
        });
        expect(JSON.parse(checkpointsJson("ci", [], 3, 0)).checkpoints).toEqual([]);
    });
});

/**
 * Runs cli/SCRIPT with the node's tools faked (name -> shell body); every call to them is
 * logged, and the calls are returned in order.
 */
function runOnNode(script: string, tools: Record<string, string>): string[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "on-node-"));
    const log = path.join(dir, "calls");
    for (const [name, body] of Object.entries(tools)) {
        fs.writeFileSync(path.join(dir, name), `#!/bin/bash\necho "${name} $*" >> ${log}\n${body}\n`, { mode: 0o755 });
    }
    execFileSync("bash", [path.join(__dirname, "..", "..", "cli", script)], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } });
    const calls = fs.readFileSync(log, "utf8").trim().split("\n");
    fs.rmSync(dir, { recursive: true });
    return calls;
}

describe("after a restore, on each node (cli/after-restore.sh)", () => {
    // wg0 is 10.80.0.2 with peers .1 and .3.
    const renew = (self: string) => runOnNode("after-restore.sh", {
        ip: `echo "5: wg0    inet ${self}/24 scope global wg0"`,
        wg: `[ "$1 $3" = "show allowed-ips" ] && printf 'KEY1=\\t10.80.0.1/32\\nKEY2=\\t10.80.0.2/32\\nKEY3=\\t10.80.0.3/32\\n' | grep -v "${self}/"; true`,
        ping: "true",
    }).filter((c) => !c.startsWith("ip "));

    it("renews each WireGuard pair from one side only: the peers above the node's own address", () => {
        expect(renew("10.80.0.2")).toEqual([
            "wg show wg0 allowed-ips",
            "wg set wg0 peer KEY3= remove",
            "wg addconf wg0 /etc/wireguard/peers.conf",
            "ping -c 1 -W 5 10.80.0.3",
        ]);
        // The highest address drops nobody: its pairs are renewed by the others.
        expect(renew("10.80.0.3")).toEqual(["wg show wg0 allowed-ips", "wg addconf wg0 /etc/wireguard/peers.conf"]);
    });
});

describe("after a restore, SLURM (cli/slurm-register.sh)", () => {
    // slurmctld runs on the node, or not.
    const register = (controller: boolean) => runOnNode("slurm-register.sh", { systemctl: controller ? "exit 0" : "exit 3", scontrol: "true" });

    it("has every slurmd register anew, from the node that runs slurmctld alone", () => {
        expect(register(true)).toEqual(["systemctl is-active --quiet slurmctld", "scontrol reconfigure"]);
        expect(register(false)).toEqual(["systemctl is-active --quiet slurmctld"]);
    });
});
