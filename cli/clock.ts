// Clock faults on a node, from the host: its clock set through libvirt (virsh domtime, which
// the image's qemu-guest-agent carries out), jumped by an offset, strobed back and forth, and
// set right again. What the node's peers then see: handshakes and credentials with times
// that do not match theirs.
import { must, Virsh } from "./virsh";

/** The seconds since the epoch of `virsh domtime DOMAIN`'s output ("Time: 1796304738"); NaN without one. */
export function parseDomtime(out: string): number {
    return Number(out.match(/Time:\s*(\d+)/)?.[1]);
}

/** The node's clock, in seconds since the epoch, as its guest agent reports it. */
export function guestTime(virsh: Virsh, domain: string): number {
    const out = must(virsh, `read the clock of ${domain}`, "domtime", domain);
    const t = parseDomtime(out);
    if (!Number.isFinite(t)) throw new Error(`virsh domtime ${domain} gave no time: ${out}`);
    return t;
}

/** Sets the node's clock to `seconds` since the epoch. */
export function setGuestTime(virsh: Virsh, domain: string, seconds: number): void {
    must(virsh, `set the clock of ${domain}`, "domtime", domain, "--time", String(Math.round(seconds)));
}

/** Sets the node's clock right: the host's time. */
export function syncGuestTime(virsh: Virsh, domain: string): void {
    must(virsh, `set the clock of ${domain} right`, "domtime", domain, "--now");
}

/** Moves the node's clock by `offsetSeconds` (negative: back); returns the time it was set to. */
export function jumpClock(virsh: Virsh, domain: string, offsetSeconds: number): number {
    if (!Number.isInteger(offsetSeconds) || offsetSeconds === 0) throw new Error(`a clock jump is a whole, non-zero number of seconds, not ${offsetSeconds}`);
    const to = guestTime(virsh, domain) + offsetSeconds;
    setGuestTime(virsh, domain, to);
    return to;
}

/**
 * A strobe, as Jepsen's clock nemesis does it: for `durationSeconds`, every `periodSeconds`
 * the clock is set `deltaSeconds` ahead of the host's, then right again, and so on. Pure: the
 * offsets from the host's time, one per period.
 */
export function strobeOffsets(deltaSeconds: number, periodSeconds: number, durationSeconds: number): number[] {
    if (!Number.isInteger(deltaSeconds) || deltaSeconds === 0) throw new Error(`a strobe's delta is whole, non-zero seconds, not ${deltaSeconds}`);
    if (!(periodSeconds > 0) || !(durationSeconds >= periodSeconds)) {
        throw new Error(`a strobe needs a period above 0 and a duration of at least one period (period ${periodSeconds}, duration ${durationSeconds})`);
    }
    return Array.from({ length: Math.floor(durationSeconds / periodSeconds) }, (_, i) => (i % 2 === 0 ? deltaSeconds : 0));
}

/** Runs a strobe on the node (strobeOffsets), leaving its clock right at the end. */
export async function strobeClock(virsh: Virsh, domain: string, deltaSeconds: number, periodSeconds: number, durationSeconds: number): Promise<void> {
    for (const offset of strobeOffsets(deltaSeconds, periodSeconds, durationSeconds)) {
        setGuestTime(virsh, domain, Date.now() / 1000 + offset);
        await new Promise((r) => setTimeout(r, periodSeconds * 1000));
    }
    syncGuestTime(virsh, domain);
}
