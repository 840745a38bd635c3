// netem's impairments from outside the guests (cli/relay-rules.ts, cli/link-relay.ts): which
// node impairs what it sends to whom, what happens to one frame, QEMU's framing on the relay's
// sockets, and the QMP commands that put the relay in a node's path and take it out.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { degradedMessage } from "../../cli/link-fault";
import { CHARDEVS, relayCommands, unrelayCommands } from "../../cli/link-relay";
import { checkImpairment, FrameReader, framed, impair, ipv4Dst, Packet, relayPlan, RelayRule } from "../../cli/relay-rules";
import type { NodeInfo } from "../../cli/stack";

const node = (n: number) => ({ name: `cluster-node-${n}`, domain: `d${n}`, ip: `10.79.0.${9 + n}` }) as NodeInfo;
const [n1, n2, n3] = [1, 2, 3].map(node);

/** A packet as QEMU hands it over: a 12-byte virtio-net header (libvirt's virtio NICs), then an Ethernet frame carrying IPv4 to `dst`, with `payload` bytes after the IP header. */
function frame(dst: string, payload = 8, vnetHdr = 12): Packet {
    const data = Buffer.alloc(vnetHdr + 14 + 20 + payload);
    data.writeUInt16BE(0x0800, vnetHdr + 12);
    dst.split(".").forEach((b, i) => { data[vnetHdr + 30 + i] = Number(b); });
    return { vnetHdr, data };
}
const rule = (r: Partial<RelayRule>): RelayRule => ({ dst: n3.ip, delayMs: 0, jitterMs: 0, duplicatePct: 0, reorderPct: 0, corruptPct: 0, ...r });
/** A random source that returns these numbers in turn. */
const seq = (...xs: number[]) => { let i = 0; return () => xs[i++ % xs.length]; };

describe("who impairs what", () => {
    it("gives each sender a rule per peer of the other group, both ways unless one way", () => {
        const plan = relayPlan([n3], [n1, n2], { delayMs: 100 });
        expect(plan.get("d3")!.map((r) => r.dst)).toEqual([n1.ip, n2.ip]);
        expect(plan.get("d1")!.map((r) => r.dst)).toEqual([n3.ip]);
        expect(plan.get("d2")!.map((r) => r.dst)).toEqual([n3.ip]);
        expect([...relayPlan([n3], [n1], { duplicatePct: 5 }, true).keys()]).toEqual(["d3"]);
    });

    it("refuses what netem refuses, naming the option", () => {
        expect(() => checkImpairment({ reorderPct: 25 })).toThrow(/reordering .* needs a delay \(--delay MS\)/);
        expect(() => checkImpairment({ jitterMs: 10 })).toThrow(/a jitter varies a delay/);
        expect(() => checkImpairment({ duplicatePct: 0.5 })).toThrow(/duplication is a whole percent from 1 to 100, not 0.5/);
        expect(() => checkImpairment({ delayMs: 20_000 })).toThrow(/the delay is whole milliseconds from 0 to 10000/);
        expect(checkImpairment({ corruptPct: 3 })).toEqual({ delayMs: 0, jitterMs: 0, duplicatePct: 0, reorderPct: 0, corruptPct: 3 });
    });
});

describe("one frame through the relay", () => {
    it("passes a frame to another address, and any frame that is not IPv4, at once and untouched", () => {
        const rules = [rule({ delayMs: 100, duplicatePct: 100, corruptPct: 100 })];
        const other = frame(n2.ip);
        expect(impair(other, rules, Math.random)).toEqual([{ packet: other, afterMs: 0 }]);
        const arp = { vnetHdr: 12, data: Buffer.alloc(54) };
        arp.data.writeUInt16BE(0x0806, 24);
        expect(ipv4Dst(arp)).toBeUndefined();
        expect(impair(arp, rules, Math.random)).toEqual([{ packet: arp, afterMs: 0 }]);
        // The destination is read past the vnet header, whatever its length (none without one).
        expect([ipv4Dst(frame(n3.ip)), ipv4Dst(frame(n3.ip, 8, 10)), ipv4Dst(frame(n3.ip, 8, 0))]).toEqual([n3.ip, n3.ip, n3.ip]);
    });

    it("delays by the delay plus or minus the jitter, and sends a reordered frame at once", () => {
        const f = frame(n3.ip);
        expect(impair(f, [rule({ delayMs: 100, jitterMs: 50 })], seq(0))).toEqual([{ packet: f, afterMs: 50 }]);
        expect(impair(f, [rule({ delayMs: 100, jitterMs: 50 })], seq(0.999999))).toEqual([{ packet: f, afterMs: 150 }]);
        expect(impair(f, [rule({ delayMs: 100, reorderPct: 25 })], seq(0.1))[0].afterMs).toBe(0);
        expect(impair(f, [rule({ delayMs: 100, reorderPct: 25 })], seq(0.5))[0].afterMs).toBe(100);
    });

    it("duplicates and corrupts by their percentages: one bit flipped past the vnet and Ethernet headers, the original left as it was", () => {
        const f = frame(n3.ip);
        expect(impair(f, [rule({ duplicatePct: 20 })], seq(0.1))).toHaveLength(2);
        expect(impair(f, [rule({ duplicatePct: 20 })], seq(0.3))).toHaveLength(1);
        for (const where of [0, 0.5, 0.999999]) {
            const [{ packet: bad }] = impair(f, [rule({ corruptPct: 10 })], seq(0.05, where));
            const diff = [...bad.data].map((b, i) => b ^ f.data[i]);
            expect(diff.filter((d) => d !== 0)).toHaveLength(1);
            expect(diff.slice(0, 12 + 14).every((d) => d === 0)).toBe(true);
            expect(Math.log2(diff.find((d) => d !== 0)!) % 1).toBe(0);
            expect(bad.vnetHdr).toBe(12);
        }
        expect(f.data.equals(frame(n3.ip).data)).toBe(true);
    });
});

describe("QEMU's framing and commands", () => {
    it("reads packets with their lengths (packet, vnet header) across chunks, and writes them the same way", () => {
        const [a, b] = [frame(n1.ip), frame(n3.ip, 100, 10)];
        const bytes = Buffer.concat([framed(a), framed(b)]);
        expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0, 0, 0, 54, 0, 0, 0, 12]));
        const r = new FrameReader();
        expect(r.push(bytes.subarray(0, 7))).toEqual([]);
        expect(r.push(bytes.subarray(7, 70))).toEqual([a]);
        expect(r.push(bytes.subarray(70))).toEqual([b]);
    });

    it("connects two chardevs to the relay's sockets and redirects what the guest sends through them; takes them out again", () => {
        const [out, inn, filter] = relayCommands("hostnet0", "/run/clusteros-lab/relays/d3") as { execute: string; arguments: Record<string, unknown> }[];
        expect(out).toMatchObject({ execute: "chardev-add", arguments: { id: CHARDEVS.out,
            backend: { type: "socket", data: { addr: { type: "unix", data: { path: "/run/clusteros-lab/relays/d3/from-qemu.sock" } }, server: false } } } });
        expect(inn.arguments.id).toBe(CHARDEVS.in);
        expect(filter).toEqual({ execute: "object-add", arguments: { "qom-type": "filter-redirector", id: "clab-relay-hostnet0", netdev: "hostnet0",
            queue: "rx", outdev: CHARDEVS.out, indev: CHARDEVS.in, vnet_hdr_support: true } });
        expect(unrelayCommands([{ name: "clab-relay-hostnet0" }, { name: "clab-delay-hostnet0" }], [{ label: "charserial0" }, { label: CHARDEVS.out }, { label: CHARDEVS.in }]))
            .toEqual([{ execute: "object-del", arguments: { id: "clab-relay-hostnet0" } },
                { execute: "chardev-remove", arguments: { id: CHARDEVS.out } }, { execute: "chardev-remove", arguments: { id: CHARDEVS.in } }]);
        expect(unrelayCommands([{ name: "clab-delay-hostnet0" }], [{ label: "charserial0" }])).toEqual([]);
    });

    it("says what it did", () => {
        expect(degradedMessage([n3], [n1], { delayMs: 100, jitterMs: 20, duplicatePct: 5, lossPct: 10 }, false))
            .toBe("degraded cluster-node-3 <-> cluster-node-1: 10% loss, 100 ms delay ± 20 ms, 5% duplicated");
    });

    it("the relay process, as QEMU uses it: frames written to one socket come back on the other, impaired by the rules; it ends when QEMU lets go", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "relay-"));
        const rules = [rule({ duplicatePct: 100 })];
        const relay = spawn(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", path.join(__dirname, "..", "..", "cli", "relay.ts"),
            dir, JSON.stringify(rules)], { stdio: "ignore" });
        const ended = new Promise<number | null>((done) => relay.on("exit", (code) => done(code)));
        try {
            for (let i = 0; i < 200 && !fs.existsSync(path.join(dir, "ready")); i++) await new Promise((done) => setTimeout(done, 100));
            const connect = (sock: string) => new Promise<net.Socket>((done) => { const s = net.connect(path.join(dir, sock), () => done(s)); });
            const back = await connect("to-qemu.sock");
            const got: Packet[] = [];
            const reader = new FrameReader();
            back.on("data", (chunk: Buffer) => got.push(...reader.push(chunk)));
            const guest = await connect("from-qemu.sock");
            guest.write(Buffer.concat([framed(frame(n3.ip)), framed(frame(n2.ip))]));
            for (let i = 0; i < 50 && got.length < 3; i++) await new Promise((done) => setTimeout(done, 50));
            expect(got.map(ipv4Dst)).toEqual([n3.ip, n3.ip, n2.ip]);
            guest.end();
            back.end();
            expect(await ended).toBe(0);
        } finally {
            relay.kill();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }, 30_000);
});
