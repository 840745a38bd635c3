// IPv4 CIDR arithmetic on top of ipaddr.js. Pure.
import * as ipaddr from "ipaddr.js";

export interface Cidr {
    /** As written in config, e.g. "10.77.0.0/24". */
    text: string;
    /** Network address, e.g. "10.77.0.0". */
    address: string;
    prefix: number;
    /** Network address as an unsigned 32-bit number. */
    base: number;
    /** Number of addresses in the range, network and broadcast included. */
    size: number;
}

/** Node N lives at network + NODE_OFFSET + N (.10, .11, ...); .1 is libvirt's gateway. */
export const NODE_OFFSET = 9;

export function toNumber(ip: string): number {
    return ipaddr.IPv4.parse(ip).toByteArray().reduce((acc, b) => acc * 256 + b, 0);
}

export function fromNumber(n: number): string {
    return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

/** Parses "a.b.c.d/p" (the network address itself); returns a problem text when it cannot. */
export function parseCidr(text: string): Cidr | string {
    if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(text) || !ipaddr.IPv4.isValidCIDR(text)) {
        return "is not an IPv4 CIDR like 10.77.0.0/24";
    }
    const [addr, prefix] = ipaddr.IPv4.parseCIDR(text);
    const network = ipaddr.IPv4.networkAddressFromCIDR(text).toString();
    if (network !== addr.toString()) {
        return `is not a network address (the network of ${addr.toString()}/${prefix} is ${network}/${prefix})`;
    }
    if (prefix < 8 || prefix > 30) {
        return "must have a prefix length from /8 to /30";
    }
    return { text, address: network, prefix, base: toNumber(network), size: 2 ** (32 - prefix) };
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
    return a.base < b.base + b.size && b.base < a.base + a.size;
}

export function contains(c: Cidr, ip: string): boolean {
    const n = toNumber(ip);
    return n >= c.base && n < c.base + c.size;
}

/** Address at `offset` from the network address. */
export function hostAddress(c: Cidr, offset: number): string {
    if (offset <= 0 || offset >= c.size - 1) {
        throw new RangeError(`offset ${offset} is outside the usable hosts of ${c.text}`);
    }
    return fromNumber(c.base + offset);
}

/** How many nodes fit: offsets NODE_OFFSET+1 .. size-2. */
export function nodeCapacity(c: Cidr): number {
    return c.size - 2 - NODE_OFFSET;
}

/** How many WireGuard addresses fit: offsets 1 .. size-2. */
export function wireguardCapacity(c: Cidr): number {
    return c.size - 2;
}
