// A stack's nodeCidr against the networks already on its libvirt daemon and host: libvirt
// refuses a network whose range another network or interface uses ("Network is already in
// use by interface ..."), halfway through an `up`. Checked at preview instead. Pure: the
// networks in use come in as data (components/host-networks.ts reads them).
import * as ipaddr from "ipaddr.js";
import { Cidr, cidrsOverlap, parseCidr } from "./cidr";

export interface NetworkInUse {
    /** What holds the range, as a person would look for it: "libvirt network X" or "interface eth0". */
    owner: string;
    /** Its name (libvirt network or interface), to tell the stack's own network apart. */
    name: string;
    cidr: string;
}

/** The stack's own network and bridge: not a conflict with itself. */
export interface OwnNetwork {
    network: string;
    bridge: string;
}

/** IPv4 address and netmask or prefix as libvirt writes them -> "a.b.c.0/p". */
export function toCidr(address: string, maskOrPrefix: string): string | undefined {
    if (!ipaddr.IPv4.isValidFourPartDecimal(address)) return undefined;
    const prefix = /^\d+$/.test(maskOrPrefix)
        ? Number(maskOrPrefix)
        : ipaddr.IPv4.isValidFourPartDecimal(maskOrPrefix)
            ? ipaddr.IPv4.parse(maskOrPrefix).prefixLengthFromSubnetMask()
            : null;
    if (prefix === null || prefix < 0 || prefix > 32) return undefined;
    return `${ipaddr.IPv4.networkAddressFromCIDR(`${address}/${prefix}`).toString()}/${prefix}`;
}

const attr = (tag: string, name: string) => new RegExp(`\\b${name}=['"]([^'"]+)['"]`).exec(tag)?.[1];

/** The name, bridge and IPv4 ranges of a libvirt network, from `virsh net-dumpxml`. */
export function parseNetworkXml(xml: string): { name: string; bridge?: string; cidrs: string[] } {
    const name = /<name>([^<]+)<\/name>/.exec(xml)?.[1] ?? "";
    const bridgeTag = /<bridge\b[^>]*>/.exec(xml)?.[0];
    const cidrs: string[] = [];
    for (const [tag] of xml.matchAll(/<ip\b[^>]*>/g)) {
        const family = attr(tag, "family");
        const address = attr(tag, "address");
        const mask = attr(tag, "netmask") ?? attr(tag, "prefix") ?? "24";
        if ((family === undefined || family === "ipv4") && address) {
            const c = toCidr(address, mask);
            if (c) cidrs.push(c);
        }
    }
    return { name, bridge: bridgeTag ? attr(bridgeTag, "name") : undefined, cidrs };
}

/** Networks that overlap nodeCidr, other than the stack's own. */
export function conflictsWith(nodeCidr: Cidr, own: OwnNetwork, inUse: NetworkInUse[]): NetworkInUse[] {
    return inUse.filter((n) => {
        if (n.name === own.network || n.name === own.bridge) return false;
        const c = parseCidr(n.cidr);
        return typeof c !== "string" && cidrsOverlap(nodeCidr, c);
    });
}

/**
 * The first `count` /24 ranges in 10.64.0.0–10.254.255.0 that overlap none of `taken`
 * (ranges in use, and the stack's other ranges): what the fix of a conflict suggests.
 */
export function freeRanges(taken: string[], count = 1): string[] {
    const used = taken.map((t) => parseCidr(t)).filter((c): c is Cidr => typeof c !== "string");
    const free: string[] = [];
    for (let second = 64; second <= 254 && free.length < count; second++) {
        for (let third = 0; third <= 255 && free.length < count; third++) {
            const c = parseCidr(`10.${second}.${third}.0/24`) as Cidr;
            if (!used.some((u) => cidrsOverlap(c, u))) {
                free.push(c.text);
                used.push(c);
            }
        }
    }
    return free;
}
