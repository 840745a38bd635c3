// Silent corruption from the host (cli/disk-corruption.ts): where a file's first bytes lie on
// a node's disk, from what cli/file-extent.sh prints on a lab node (ext4 on vda3), and the
// HMP command that overwrites them through the disk's own device.
import { describe, expect, it } from "vitest";
import { corruptCommand, corruptFile, fileExtent, rootDevice } from "../../cli/disk-corruption";
import type { Virsh } from "../../cli/virsh";

const extent = (fs = "ext4", source = "/dev/vda3", extents = "   0:        0..     255:     123456..    123711:    256:             last,eof") => `source=${source}
fstype=${fs}
disk=vda
start=264192
Filesystem type is: ef53
File size of /var/tmp/precious is 1048576 (256 blocks of 4096 bytes)
 ext:     logical_offset:        physical_offset: length:   expected: flags:
${extents}
/var/tmp/precious: 1 extent found
`;

describe("where a file's bytes lie on the node's disk", () => {
    it("adds the partition's start to the first extent's block, in bytes", () => {
        expect(fileExtent(extent(), "/var/tmp/precious", 4096)).toEqual({ disk: "vda", offset: 264192 * 512 + 123456 * 4096, length: 4096 });
    });

    it("corrupts no more than the file has, nor past its first extent", () => {
        expect(fileExtent(extent(), "/var/tmp/precious", 8 << 20).length).toBe(1048576);
        const small = extent("ext4", "/dev/vda3", "   0:        0..       0:     500..       500:      1:\n   1:        1..     255:     900..    1154:    255:        501: last,eof");
        expect(fileExtent(small, "/var/tmp/precious", 65536)).toEqual({ disk: "vda", offset: 264192 * 512 + 500 * 4096, length: 4096 });
    });

    it("refuses a file that is not on the node's disk, naming where it is", () => {
        expect(() => fileExtent(extent("tmpfs", "tmpfs"), "/tmp/x", 4096)).toThrow(/\/tmp\/x is on tmpfs \(tmpfs\), not on the node's disk: choose a file under \/ \(e\.g\. \/var\/tmp\)/);
    });

    it("refuses a file with no block on the disk yet", () => {
        expect(() => fileExtent(extent("ext4", "/dev/vda3", ""), "/var/tmp/precious", 4096)).toThrow(/has no data on the disk yet/);
    });
});

describe("the write under the guest", () => {
    it("goes through the device of the first writable disk, not the read-only seed", () => {
        expect(rootDevice([{ qdev: "/machine/peripheral/virtio-disk1/virtio-backend", inserted: { ro: true } },
            { qdev: "/machine/peripheral/virtio-disk0/virtio-backend", inserted: { ro: false } }])).toBe("/machine/peripheral/virtio-disk0/virtio-backend");
        expect(() => rootDevice([{ qdev: "x", inserted: { ro: true } }])).toThrow(/no writable disk/);
        expect(corruptCommand("/machine/peripheral/virtio-disk0/virtio-backend", 4096, 512))
            .toBe('qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend "write -P 0x5a 4096 512"');
    });

    it("locates the file on the node, then writes where it lies (QEMU 7.2's qemu-io answers nothing on the monitor when it wrote)", async () => {
        const calls: string[] = [];
        const virsh: Virsh = (...args: string[]) => {
            calls.push(args.join(" "));
            const command = JSON.parse(args[2]) as { execute: string };
            const answer = command.execute === "query-block"
                ? [{ qdev: "/machine/peripheral/virtio-disk0/virtio-backend", inserted: { ro: false } }]
                : "";
            return { ok: true, out: JSON.stringify({ return: answer }), err: "" };
        };
        const located: string[] = [];
        const c = await corruptFile(virsh, "d1", "/var/tmp/precious", 4096, async (script, file) => {
            located.push(file);
            expect(script).toContain("filefrag -v");
            return { code: 0, stdout: extent(), stderr: "" };
        });
        expect(located).toEqual(["/var/tmp/precious"]);
        expect(c).toMatchObject({ disk: "vda", offset: 264192 * 512 + 123456 * 4096, length: 4096 });
        expect(calls.at(-1)).toContain(`"command-line":"qemu-io -d /machine/peripheral/virtio-disk0/virtio-backend \\"write -P 0x5a ${c.offset} 4096\\""`);
    });

    it("says why QEMU did not write", async () => {
        const virsh: Virsh = (...args: string[]) => {
            const command = JSON.parse(args[2]) as { execute: string };
            const answer = command.execute === "query-block" ? [{ qdev: "/machine/peripheral/virtio-disk0/virtio-backend", inserted: { ro: false } }]
                : "Error: Device does not have a block device backend\r\n";
            return { ok: true, out: JSON.stringify({ return: answer }), err: "" };
        };
        await expect(corruptFile(virsh, "d1", "/var/tmp/precious", 4096, async () => ({ code: 0, stdout: extent(), stderr: "" })))
            .rejects.toThrow(/d1: qemu-io did not write: Error: Device does not have a block device backend/);
    });

    it("refuses a relative path, and says why the node could not locate the file", async () => {
        const never: Virsh = () => { throw new Error("no QEMU asked"); };
        await expect(corruptFile(never, "d1", "var/tmp/x", 4096, async () => ({ code: 0, stdout: "", stderr: "" }))).rejects.toThrow(/absolute path/);
        await expect(corruptFile(never, "d1", "/var/tmp/x", 4096, async () => ({ code: 2, stdout: "", stderr: "no file /var/tmp/x on cluster-node-2" })))
            .rejects.toThrow(/no file \/var\/tmp\/x on cluster-node-2/);
    });
});
