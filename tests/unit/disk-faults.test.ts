// How a disk fault goes under a node's root disk and comes away (cli/disk-faults.ts), from
// QMP answers shaped as QEMU 7.2 gives them for a lab node (its qcow2 disk on a base image,
// its seed read-only), before and under each kind of fault.
import { describe, expect, it } from "vitest";
import { faultCommands, faulted, FAULT_NODE, healCommands, healDisk, healedMessage, rootDisk } from "../../cli/disk-faults";

const DIR = "/var/lib/libvirt/images/clusteros-lab-dsk";
const DISK = `${DIR}/clusteros-lab-dsk-node-1-disk.qcow2`;
const cache = { "no-flush": false, direct: false, writeback: true };
const node = (name: string, drv: string, ro: boolean, file: string, size = 1 << 20) =>
    ({ "node-name": name, drv, ro, file, detect_zeroes: "off", cache, image: { "virtual-size": size } });

const blocks = [
    { inserted: { "node-name": "libvirt-2-format", ro: false } },
    { inserted: { "node-name": "libvirt-1-format", ro: true } },
];
const libvirtNodes = [
    node("libvirt-1-format", "raw", true, `${DIR}/seed.iso`),
    node("libvirt-1-storage", "file", false, `${DIR}/seed.iso`),
    node("libvirt-2-format", "qcow2", false, DISK, 8589934592),
    node("libvirt-2-storage", "file", false, DISK, 354222080),
    node("libvirt-3-format", "qcow2", true, `${DIR}/base.qcow2`),
    node("libvirt-3-storage", "file", false, `${DIR}/base.qcow2`),
];
const names = ["libvirt-1-format", "libvirt-1-storage", "libvirt-2-format", "libvirt-2-storage", "libvirt-3-format", "libvirt-3-storage",
    FAULT_NODE, `${FAULT_NODE}-file`];
const graph = (edges: [string, string, string][]) => ({
    nodes: names.map((name, id) => ({ name, id })),
    edges: edges.map(([parent, name, child]) => ({ parent: names.indexOf(parent), child: names.indexOf(child), name })),
});
const seedAndBase: [string, string, string][] = [
    ["libvirt-1-format", "file", "libvirt-1-storage"], ["libvirt-2-format", "backing", "libvirt-3-format"], ["libvirt-3-format", "file", "libvirt-3-storage"]];
const healthy = graph([...seedAndBase, ["libvirt-2-format", "file", "libvirt-2-storage"]]);

describe("disk faults under a node's root disk", () => {
    it("finds the writable disk, its file and backing, and its storage file with its size", () => {
        const disk = rootDisk(blocks, libvirtNodes, healthy);
        expect(disk.format.name).toBe("libvirt-2-format");
        expect(disk.file).toBe("libvirt-2-storage");
        expect(disk.backing).toBe("libvirt-3-format");
        expect(disk.storage).toMatchObject({ name: "libvirt-2-storage", filename: DISK, size: 354222080 });
        expect(faulted(disk)).toBe(false);
        expect(healCommands(disk)).toEqual([]);
    });

    it("full: a raw window of the file's present size over a second, unlocked handle on it, then the disk reopened on it with all its options", () => {
        const [add, reopen] = faultCommands(rootDisk(blocks, libvirtNodes, healthy), "full") as any[];
        expect(add.execute).toBe("blockdev-add");
        expect(add.arguments).toMatchObject({ driver: "raw", "node-name": FAULT_NODE, offset: 0, size: 354222080,
            file: { driver: "file", filename: DISK, locking: "off" } });
        expect(reopen).toEqual({ execute: "blockdev-reopen", arguments: { options: [{ "node-name": "libvirt-2-format", driver: "qcow2",
            "read-only": false, cache: { direct: false, "no-flush": false }, "detect-zeroes": "off", file: FAULT_NODE, backing: "libvirt-3-format" }] } });
    });

    it("a window's size is whole sectors", () => {
        const odd = libvirtNodes.map((n) => (n["node-name"] === "libvirt-2-storage" ? { ...n, image: { "virtual-size": 1000 } } : n));
        expect((faultCommands(rootDisk(blocks, odd, healthy), "full")[0] as any).arguments.size).toBe(512);
    });

    it.each([
        ["fail-reads", [{ event: "read_aio", iotype: "read", errno: 5 }]],
        ["fail-writes", [{ event: "pwritev", iotype: "write", errno: 5 }]],
        ["fail", [{ event: "read_aio", iotype: "read", errno: 5 }, { event: "pwritev", iotype: "write", errno: 5 }]],
    ] as const)("%s: blkdebug over the disk's own storage, with EIO on what fails", (fault, rules) => {
        const [add] = faultCommands(rootDisk(blocks, libvirtNodes, healthy), fault) as any[];
        expect(add.arguments).toEqual({ driver: "blkdebug", "node-name": FAULT_NODE, image: "libvirt-2-storage", "inject-error": rules });
    });

    const underFull = { nodes: [...libvirtNodes, node(FAULT_NODE, "raw", false, `json:{"driver":"raw","file":"${DISK}"}`), node(`${FAULT_NODE}-file`, "file", false, DISK)],
        graph: graph([...seedAndBase, ["libvirt-2-format", "file", FAULT_NODE], [FAULT_NODE, "file", `${FAULT_NODE}-file`]]) };
    const underBlkdebug = { nodes: [...libvirtNodes, node(FAULT_NODE, "blkdebug", false, `json:{"driver":"blkdebug","image":"libvirt-2-storage"}`)],
        graph: graph([...seedAndBase, ["libvirt-2-format", "file", FAULT_NODE], [FAULT_NODE, "image", "libvirt-2-storage"]]) };

    it.each([["full", underFull], ["blkdebug", underBlkdebug]])("under %s: heal reopens the disk on its own storage, then removes the fault", (_, under) => {
        const disk = rootDisk(blocks, under.nodes, under.graph);
        expect(faulted(disk)).toBe(true);
        expect(disk.storage.name).toBe("libvirt-2-storage");
        const [reopen, del] = healCommands(disk) as any[];
        expect(reopen.arguments.options[0]).toMatchObject({ "node-name": "libvirt-2-format", file: "libvirt-2-storage", backing: "libvirt-3-format" });
        expect(del).toEqual({ execute: "blockdev-del", arguments: { "node-name": FAULT_NODE } });
    });

    it("a second fault on a faulted disk is refused, saying how to heal", () => {
        expect(() => faultCommands(rootDisk(blocks, underFull.nodes, underFull.graph), "fail")).toThrow(/heal it first \(lab disk N heal, or lab heal\)/);
    });

    it("a node without a writable disk is named as such", () => {
        expect(() => rootDisk([blocks[1]], libvirtNodes, healthy)).toThrow(/no writable disk/);
    });
});

describe("healing a disk through virsh", () => {
    /** A virsh that answers QMP as the node above under blkdebug, and records what it was asked. */
    const fakeVirsh = (reopenAnswer: object) => {
        const calls: string[][] = [];
        const answers: Record<string, unknown> = {
            "query-block": blocks,
            "query-named-block-nodes": [...libvirtNodes, node(FAULT_NODE, "blkdebug", false, "json:{}")],
            "x-debug-query-block-graph": graph([...seedAndBase, ["libvirt-2-format", "file", FAULT_NODE], [FAULT_NODE, "image", "libvirt-2-storage"]]),
            "blockdev-reopen": reopenAnswer,
            "blockdev-del": {},
        };
        const virsh = (...args: string[]) => {
            calls.push(args);
            if (args[0] === "domstate") return { ok: true, out: args[1] === "--reason" ? "running (booted)" : "running", err: "" };
            if (args[0] === "qemu-monitor-command") {
                const answer = answers[JSON.parse(args[2]).execute];
                return { ok: true, out: JSON.stringify(answer && "error" in (answer as object) ? answer : { return: answer }), err: "" };
            }
            return { ok: true, out: "", err: "" };
        };
        return { virsh, calls };
    };

    it("switches the disk back, removes the fault, and leaves the node running", () => {
        const { virsh, calls } = fakeVirsh({});
        expect(healDisk(virsh, "n1")).toBe("healed");
        expect(calls.some((c) => c[0] === "destroy")).toBe(false);
        expect(calls.filter((c) => c[0] === "qemu-monitor-command").map((c) => JSON.parse(c[2]).execute).slice(-2)).toEqual(["blockdev-reopen", "blockdev-del"]);
    });

    it("powers the node off when QEMU cannot flush the disk through failing writes, and says so", () => {
        const { virsh, calls } = fakeVirsh({ error: { class: "GenericError", desc: "Error flushing drive: Input/output error" } });
        expect(healDisk(virsh, "n1")).toBe("powered off");
        expect(calls).toContainEqual(["destroy", "n1"]);
        expect(healedMessage("cluster-node-3", "powered off")).toMatch(/powered off.*power it on or restore a checkpoint/);
    });
});
