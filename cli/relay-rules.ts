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

/** The IPv4 destination of an Ethernet frame (untagged), if it carries IPv4. */
export function ipv4Dst(frame: Buffer): string | undefined {
    if (frame.length < 34 || frame.readUInt16BE(12) !== 0x0800) return undefined;
    return `${frame[30]}.${frame[31]}.${frame[32]}.${frame[33]}`;
}

/** QEMU's framing on a filter's chardev (no vnet header): a 4-byte length, big-endian, then the frame. */
export function framed(frame: Buffer): Buffer {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(frame.length);
    return Buffer.concat([len, frame]);
}

/** Splits a chardev's byte stream into frames, across reads. */
export class FrameReader {
    private pending = Buffer.alloc(0);

    push(chunk: Buffer): Buffer[] {
        this.pending = Buffer.concat([this.pending, chunk]);
        const frames: Buffer[] = [];
        while (this.pending.length >= 4) {
            const len = this.pending.readUInt32BE(0);
            if (this.pending.length < 4 + len) break;
            frames.push(this.pending.subarray(4, 4 + len));
            this.pending = this.pending.subarray(4 + len);
        }
        return frames;
    }
}

/** When (ms from now) to send which frame; a frame with no rule is sent once, at once. */
export function impair(frame: Buffer, rules: RelayRule[], random: () => number): { frame: Buffer; afterMs: number }[] {
    const dst = ipv4Dst(frame);
    const rule = dst === undefined ? undefined : rules.find((r) => r.dst === dst);
    if (!rule) return [{ frame, afterMs: 0 }];
    const chance = (pct: number) => pct > 0 && random() * 100 < pct;
    let out = frame;
    if (chance(rule.corruptPct) && frame.length > 14) {
        out = Buffer.from(frame);
        const bit = 14 * 8 + Math.floor(random() * (frame.length - 14) * 8);
        out[bit >> 3] ^= 1 << (bit & 7);
    }
    const delay = () => (chance(rule.reorderPct) ? 0
        : Math.max(0, Math.round(rule.delayMs + (rule.jitterMs ? (random() * 2 - 1) * rule.jitterMs : 0))));
    const sends = [{ frame: out, afterMs: delay() }];
    if (chance(rule.duplicatePct)) sends.push({ frame: out, afterMs: delay() });
    return sends;
}
