// What the lab's frame relay does to a node's frames (cli/relay.ts runs it, cli/link-relay.ts
// puts it in QEMU's path): netem's impairments from outside the guest, per destination. Pure:
// the rules a link fault gives each node, QEMU's framing on a chardev, and what happens to one
// frame, with the randomness and the clock given.
import type { NodeInfo } from "./stack";

/** What happens to the frames a node sends to one address. */
export interface RelayRule {
    /** The IPv4 destination (a node's address on the lab network) the rule is for. */
    dst: string;
    delayMs: number;
    /** Each delay is delayMs plus or minus up to this, at random (netem's jitter: frames overtake each other). */
    jitterMs: number;
    /** Percent of frames sent twice. */
    duplicatePct: number;
    /** Percent of frames sent at once, without the delay the others wait (netem's reorder; it needs a delay). */
    reorderPct: number;
    /** Percent of frames with one bit flipped past the Ethernet header. */
    corruptPct: number;
}

export interface Impairment {
    delayMs?: number;
    jitterMs?: number;
    duplicatePct?: number;
    reorderPct?: number;
    corruptPct?: number;
}

const percent = (name: string, v: number | undefined) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= 100)) throw new Error(`${name} is a whole percent from 1 to 100, not ${v}`);
};

/** The impairment, checked: whole numbers in range, reorder only with a delay (as netem). */
export function checkImpairment(i: Impairment): Required<Impairment> {
    for (const [name, v] of [["the delay", i.delayMs], ["the jitter", i.jitterMs]] as const) {
        if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 10_000)) throw new Error(`${name} is whole milliseconds from 0 to 10000, not ${v}`);
    }
    percent("duplication", i.duplicatePct);
    percent("reordering", i.reorderPct);
    percent("corruption", i.corruptPct);
    if (i.reorderPct && !i.delayMs) throw new Error("reordering sends some frames at once while the others wait: it needs a delay (--delay MS), as netem's does");
    if (i.jitterMs && !i.delayMs) throw new Error("a jitter varies a delay: give a delay too (--delay MS)");
    const r = { delayMs: i.delayMs ?? 0, jitterMs: i.jitterMs ?? 0, duplicatePct: i.duplicatePct ?? 0, reorderPct: i.reorderPct ?? 0, corruptPct: i.corruptPct ?? 0 };
    if (Object.values(r).every((v) => v === 0)) throw new Error("an impairment needs a delay, duplication, reordering or corruption");
    return r;
}

/** Whether any of the fault's keys is one the relay applies. */
export const relayed = (i: Impairment): boolean =>
    [i.delayMs, i.jitterMs, i.duplicatePct, i.reorderPct, i.corruptPct].some((v) => v !== undefined);

/**
 * Each node's rules for a link between groups a and b: a's nodes impair what they send to b's
 * and, both ways, b's what they send to a's. Keyed by domain.
 */
export function relayPlan(a: NodeInfo[], b: NodeInfo[], impairment: Impairment, oneWay = false): Map<string, RelayRule[]> {
    const checked = checkImpairment(impairment);
    const plan = new Map<string, RelayRule[]>();
    const add = (from: NodeInfo[], to: NodeInfo[]) => {
        for (const f of from) {
            const rules = plan.get(f.domain) ?? [];
            for (const t of to) if (t.domain !== f.domain && !rules.some((r) => r.dst === t.ip)) rules.push({ dst: t.ip, ...checked });
            plan.set(f.domain, rules);
        }
    };
    add(a, b);
    if (!oneWay) add(b, a);
    return plan;
}

/**
 * A frame as QEMU's filter hands it over: the virtio-net header the backend carries (tap with
 * vnet_hdr, as libvirt sets up virtio NICs; 0 bytes otherwise), then the Ethernet frame.
 */
export interface Packet { vnetHdr: number; data: Buffer }

/** The IPv4 destination of the packet's Ethernet frame (untagged), if it carries IPv4. */
export function ipv4Dst(p: Packet): string | undefined {
    const at = p.vnetHdr;
    if (p.data.length < at + 34 || p.data.readUInt16BE(at + 12) !== 0x0800) return undefined;
    return `${p.data[at + 30]}.${p.data[at + 31]}.${p.data[at + 32]}.${p.data[at + 33]}`;
}

/**
 * QEMU's framing on a filter's chardev with vnet_hdr_support: the packet's length and its
 * vnet header's length, 4 bytes each, big-endian, then the packet.
 */
export function framed(p: Packet): Buffer {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(p.data.length, 0);
    head.writeUInt32BE(p.vnetHdr, 4);
    return Buffer.concat([head, p.data]);
}

/** Splits a chardev's byte stream into packets, across reads. */
export class FrameReader {
    private pending = Buffer.alloc(0);

    push(chunk: Buffer): Packet[] {
        this.pending = Buffer.concat([this.pending, chunk]);
        const packets: Packet[] = [];
        while (this.pending.length >= 8) {
            const len = this.pending.readUInt32BE(0);
            if (this.pending.length < 8 + len) break;
            packets.push({ vnetHdr: this.pending.readUInt32BE(4), data: this.pending.subarray(8, 8 + len) });
            this.pending = this.pending.subarray(8 + len);
        }
        return packets;
    }
}

/** When (ms from now) to send which packet; one with no rule is sent once, at once. */
export function impair(p: Packet, rules: RelayRule[], random: () => number): { packet: Packet; afterMs: number }[] {
    const dst = ipv4Dst(p);
    const rule = dst === undefined ? undefined : rules.find((r) => r.dst === dst);
    if (!rule) return [{ packet: p, afterMs: 0 }];
    const chance = (pct: number) => pct > 0 && random() * 100 < pct;
    let out = p;
    // One bit flipped past the vnet and Ethernet headers: in the IP header or what it carries.
    const from = p.vnetHdr + 14;
    if (chance(rule.corruptPct) && p.data.length > from) {
        const data = Buffer.from(p.data);
        const bit = from * 8 + Math.floor(random() * (data.length - from) * 8);
        data[bit >> 3] ^= 1 << (bit & 7);
        out = { vnetHdr: p.vnetHdr, data };
    }
    const delay = () => (chance(rule.reorderPct) ? 0
        : Math.max(0, Math.round(rule.delayMs + (rule.jitterMs ? (random() * 2 - 1) * rule.jitterMs : 0))));
    const sends = [{ packet: out, afterMs: delay() }];
    if (chance(rule.duplicatePct)) sends.push({ packet: out, afterMs: delay() });
    return sends;
}
