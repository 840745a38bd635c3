// The network pre-seed of machines installed from the installer medium (config key
// bareMetal): parsing and validation of the key, and the files the installer writes into
// the installed root file system (components/bare-metal-output.ts makes it the secret stack
// output bareMetal). Pure. Lab VMs never get any of it (their network comes from their cloud-init seed).
import * as path from "node:path";
import * as ipaddr from "ipaddr.js";
import { stringify } from "yaml";
import { ConfigProblem, structured } from "./config-reader";
import type { ImageFlavor, ImageSource } from "./config-types";
import { closest } from "./did-you-mean";
import { renderFile } from "./templates";

export const TEMPLATE_DIR = path.join(__dirname, "..", "..", "images", "installer", "network");

export type WiredNetwork =
    | { dhcp: true; dns: string[] }
    | { dhcp: false; /** Host address with prefix, e.g. 192.168.10.20/24. */ address: string; gateway?: string; dns: string[] };

export interface WifiNetwork {
    ssid: string;
    /** A WPA passphrase (8-63 printable ASCII characters) or a raw key (64 hex digits). */
    psk: string;
}

export interface BareMetal {
    /** The flavor of the image that is installed, which decides the files written. */
    flavor: ImageFlavor;
    network: { wired?: WiredNetwork; wifi?: WifiNetwork };
}

export interface PreseedFile {
    path: string;
    /** Octal, e.g. "0600". */
    mode: string;
    content: string;
}

/** The stack output bareMetal (secret): what the installer writes and enables. */
export interface Preseed {
    flavor: ImageFlavor;
    files: PreseedFile[];
    enableUnits: string[];
}

export const NOT_SET = "bareMetal.network is not set (see docs/DEPLOYMENT.md)";

/**
 * The flavor that is installed. A prebuilt image does not say which it is: it gets the
 * debian-12 files (systemd-networkd and iwd, no netplan).
 */
export function installedFlavor(image: ImageSource): ImageFlavor {
    return image.kind === "build" ? image.flavor : "debian-12";
}

// ---------------------------------------------------------------------------------------
// Parsing and validation

const NETWORK = "bareMetal.network";
const WIRED = `${NETWORK}.wired`;
const WIFI = `${NETWORK}.wifi`;
const PSK = `${WIFI}.psk`;
const SECRET = "(secret)";
const KNOWN: Record<string, readonly string[]> = {
    bareMetal: ["network"],
    [NETWORK]: ["wired", "wifi"],
    [WIRED]: ["dhcp", "address", "gateway", "dns"],
    [WIFI]: ["ssid", "psk"],
};
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const PASSPHRASE = /^[\x20-\x7e]{8,63}$/;
const RAW_KEY = /^[0-9a-fA-F]{64}$/;

/** How a value appears in a problem: nothing of the WiFi credentials, no nested objects. */
function shown(key: string, value: unknown): unknown {
    if (value === undefined) return "(not set)";
    if ((key === WIFI && !isRecord(value)) || (key.startsWith(`${WIFI}.`) && key !== `${WIFI}.ssid`)) return SECRET;
    if (Array.isArray(value)) return key.startsWith(WIRED) ? value : "(list)";
    if (value !== null && typeof value === "object") return `{${Object.keys(value).join(", ")}}`;
    return value;
}

class Problems {
    readonly list: ConfigProblem[] = [];
    add(key: string, value: unknown, problem: string, fix: string): void {
        this.list.push({ key, value: shown(key, value), problem, fix });
    }
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A mapping at `key`, its unknown sub-keys reported; undefined (and reported) if it is none. */
function mapping(p: Problems, key: string, v: unknown, example: string): Record<string, unknown> | undefined {
    if (!isRecord(v)) {
        p.add(key, v, "must be a set of sub-keys", `pulumi config rm --path ${key} && pulumi config set --path ${example}`);
        return undefined;
    }
    for (const sub of Object.keys(v).filter((k) => !KNOWN[key].includes(k))) {
        const near = closest(sub, KNOWN[key]);
        const full = `${key}.${sub}`;
        const secret = near === "psk" ? "--secret " : "";
        p.add(full, v[sub], `is not a setting of ${key}${near ? ` (did you mean ${near}?)` : ` (known: ${KNOWN[key].join(", ")})`}`,
            near ? `pulumi config rm --path ${full} && pulumi config set ${secret}--path ${key}.${near} <value>`
                : `pulumi config rm --path ${full}`);
    }
    return v;
}

/** Text, also from the whole numbers `pulumi config set --path` stores as numbers. */
function text(p: Problems, key: string, v: unknown, fix: string): string | undefined {
    if (typeof v === "string") return v;
    if (typeof v === "number" && Number.isSafeInteger(v)) return String(v);
    p.add(key, v, typeof v === "number" ? "was stored as a number and may have lost digits" : "must be a string",
        typeof v === "number" ? `${fix.replace("pulumi config set ", "pulumi config set --type string ")}` : fix);
    return undefined;
}

function parseWired(p: Problems, v: unknown): WiredNetwork | undefined {
    const w = mapping(p, WIRED, v, `${WIRED}.dhcp true`);
    if (!w) return undefined;
    let dhcp = false;
    if (w.dhcp === true || w.dhcp === "true") dhcp = true;
    else if (w.dhcp !== undefined && w.dhcp !== false && w.dhcp !== "false") {
        p.add(`${WIRED}.dhcp`, w.dhcp, "must be true or false", `pulumi config set --path ${WIRED}.dhcp true`);
    }

    const dns: string[] = [];
    if (w.dns !== undefined) {
        if (!Array.isArray(w.dns)) {
            p.add(`${WIRED}.dns`, w.dns, "must be a list of IPv4 addresses",
                `pulumi config rm --path ${WIRED}.dns && pulumi config set --path '${WIRED}.dns[0]' 192.168.10.1`);
        } else {
            w.dns.forEach((d, i) => {
                if (typeof d === "string" && IPV4.test(d) && ipaddr.IPv4.isValidFourPartDecimal(d)) dns.push(d);
                else p.add(`${WIRED}.dns[${i}]`, d, "is not an IPv4 address", `pulumi config set --path '${WIRED}.dns[${i}]' 192.168.10.1`);
            });
        }
    }

    if (w.address === undefined) {
        if (!dhcp) {
            p.add(WIRED, w, "sets neither dhcp true nor a static address",
                `pulumi config set --path ${WIRED}.dhcp true, or pulumi config set --path ${WIRED}.address 192.168.10.20/24`);
        }
        if (w.gateway !== undefined) {
            p.add(`${WIRED}.gateway`, w.gateway, "needs a static address (DHCP brings its own gateway)",
                `pulumi config rm --path ${WIRED}.gateway, or set ${WIRED}.address`);
        }
        return dhcp ? { dhcp: true, dns } : undefined;
    }
    if (dhcp) {
        p.add(`${WIRED}.address`, w.address, "is set together with dhcp true; the wired network is either DHCP or static",
            `pulumi config rm --path ${WIRED}.address (DHCP), or pulumi config set --path ${WIRED}.dhcp false (static)`);
        return undefined;
    }
    const address = staticAddress(p, w.address);
    const gateway = address && w.gateway !== undefined ? parseGateway(p, address, w.gateway) : undefined;
    return address ? { dhcp: false, address, gateway, dns } : undefined;
}

/** "a.b.c.d/p" with a host address (not the subnet's network or broadcast address). */
function staticAddress(p: Problems, v: unknown): string | undefined {
    const key = `${WIRED}.address`;
    const fix = `pulumi config set --path ${key} 192.168.10.20/24`;
    if (typeof v !== "string" || !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(v) || !ipaddr.IPv4.isValidCIDR(v)) {
        p.add(key, v, "is not an IPv4 address with prefix length like 192.168.10.20/24", fix);
        return undefined;
    }
    const [ip, prefix] = ipaddr.IPv4.parseCIDR(v);
    if (prefix < 8 || prefix > 32) {
        p.add(key, v, "must have a prefix length from /8 to /32", fix);
        return undefined;
    }
    if (prefix <= 30) {
        const network = ipaddr.IPv4.networkAddressFromCIDR(v).toString();
        const broadcast = ipaddr.IPv4.broadcastAddressFromCIDR(v).toString();
        if (ip.toString() === network || ip.toString() === broadcast) {
            p.add(key, v, `is the ${ip.toString() === network ? "network" : "broadcast"} address of ${network}/${prefix}, not a host's`, fix);
            return undefined;
        }
    }
    return v;
}

function parseGateway(p: Problems, address: string, v: unknown): string | undefined {
    const key = `${WIRED}.gateway`;
    if (typeof v !== "string" || !IPV4.test(v) || !ipaddr.IPv4.isValidFourPartDecimal(v)) {
        p.add(key, v, "is not an IPv4 address", `pulumi config set --path ${key} 192.168.10.1`);
        return undefined;
    }
    const subnet = ipaddr.IPv4.parseCIDR(address);
    const network = `${ipaddr.IPv4.networkAddressFromCIDR(address).toString()}/${subnet[1]}`;
    if (!ipaddr.IPv4.parse(v).match(subnet)) {
        p.add(key, v, `is outside the subnet of ${WIRED}.address (${network})`,
            `pulumi config set --path ${key} <a router in ${network}>`);
        return undefined;
    }
    if (v === address.split("/")[0]) {
        p.add(key, v, `is the machine's own address (${WIRED}.address)`, `pulumi config set --path ${key} <the router's address>`);
        return undefined;
    }
    return v;
}

function parseWifi(p: Problems, v: unknown, isSecret?: (path: string) => boolean): WifiNetwork | undefined {
    const w = mapping(p, WIFI, v, `${WIFI}.ssid MyNet`);
    if (!w) return undefined;
    const ssidFix = `pulumi config set --path ${WIFI}.ssid MyNet`;
    const pskFix = `pulumi config set --secret --path ${PSK} '<passphrase>'`;
    let ssid: string | undefined;
    if (w.ssid === undefined) {
        p.add(`${WIFI}.ssid`, undefined, "is missing (the network's name)", ssidFix);
    } else {
        ssid = text(p, `${WIFI}.ssid`, w.ssid, ssidFix);
        const bytes = ssid === undefined ? 0 : Buffer.byteLength(ssid, "utf8");
        if (ssid !== undefined && (bytes < 1 || bytes > 32)) {
            p.add(`${WIFI}.ssid`, ssid, `is ${bytes} bytes long in UTF-8; an SSID has 1 to 32 bytes`, ssidFix);
            ssid = undefined;
        }
    }
    let psk: string | undefined;
    if (w.psk === undefined) {
        p.add(PSK, undefined, "is missing (the WPA passphrase)", pskFix);
    } else {
        psk = text(p, PSK, w.psk, pskFix);
        if (psk !== undefined && !PASSPHRASE.test(psk) && !RAW_KEY.test(psk)) {
            p.add(PSK, SECRET, pskProblem(psk), pskFix);
            psk = undefined;
        }
        if (isSecret && !isSecret(PSK)) {
            p.add(PSK, SECRET, "is stored in plain text in the stack's config file",
                `set it with pulumi config set --secret --path ${PSK} '<passphrase>'`);
        }
    }
    return ssid !== undefined && psk !== undefined ? { ssid, psk } : undefined;
}

/** Says what is wrong with a PSK without repeating any of it. */
function pskProblem(psk: string): string {
    const rule = "a WPA passphrase has 8 to 63 printable ASCII characters, a raw key exactly 64 hex digits";
    if (/[^\x20-\x7e]/.test(psk)) return `contains characters outside printable ASCII; ${rule}`;
    if (psk.length === 64) return `has 64 characters but not all are hex digits; ${rule}`;
    return `has ${psk.length} characters; ${rule}`;
}

/**
 * Reads the bareMetal key (a JSON string from Pulumi, or an object). `isSecret(path)` says
 * whether the stack stores the value at a config path encrypted; absent: not checked.
 * Returns undefined as value when bareMetal.network is not set.
 */
export function parseBareMetal(raw: unknown, image: ImageSource, isSecret?: (path: string) => boolean):
    { value?: BareMetal; problems: ConfigProblem[] } {
    const p = new Problems();
    const v = structured(raw, {});
    const top = mapping(p, "bareMetal", v, `${WIRED}.dhcp true`);
    if (!top || top.network === undefined) return { problems: p.list };
    const net = mapping(p, NETWORK, top.network, `${WIRED}.dhcp true`);
    if (!net) return { problems: p.list };
    if (net.wired === undefined && net.wifi === undefined) {
        p.add(NETWORK, net, "sets neither wired nor wifi",
            `pulumi config set --path ${WIRED}.dhcp true (or ${WIFI}.ssid and ${PSK}), or pulumi config rm bareMetal`);
    }
    const wired = net.wired === undefined ? undefined : parseWired(p, net.wired);
    const wifi = net.wifi === undefined ? undefined : parseWifi(p, net.wifi, isSecret);
    if (p.list.length > 0) return { problems: p.list };
    return { value: { flavor: installedFlavor(image), network: { wired, wifi } }, problems: [] };
}

// ---------------------------------------------------------------------------------------
// Rendering

/** The file iwd reads a network's settings from (iwd.network(5), NAMING). */
export function iwdFileName(ssid: string): string {
    return /^[A-Za-z0-9 _-]+$/.test(ssid) ? `${ssid}.psk` : `=${Buffer.from(ssid, "utf8").toString("hex")}.psk`;
}

/** A string value in iwd's settings syntax (ell's l_settings): backslashes doubled, leading spaces as \s. */
function iwdString(s: string): string {
    return s.replace(/\\/g, "\\\\").replace(/^ +/, (spaces) => "\\s".repeat(spaces.length));
}

function template(name: string, view: object = {}): string {
    return renderFile(path.join(TEMPLATE_DIR, name), view);
}

/** systemd-networkd's .network file for the wired interfaces. */
function networkdWired(wired: WiredNetwork): PreseedFile {
    const view = wired.dhcp ? { dhcp: true, dns: wired.dns } : { address: wired.address, gateway: wired.gateway, dns: wired.dns };
    return { path: "/etc/systemd/network/60-clusteros-wired.network", mode: "0644", content: template("wired.network.mustache", view) };
}

/** Netplan's equivalent of networkdWired, serialised from an object. */
function netplanWired(wired: WiredNetwork): PreseedFile {
    const nameservers = wired.dns.length > 0 ? { nameservers: { addresses: wired.dns } } : {};
    const settings = wired.dhcp
        ? { dhcp4: true, ...nameservers }
        : { dhcp4: false, addresses: [wired.address], ...(wired.gateway ? { routes: [{ to: "0.0.0.0/0", via: wired.gateway }] } : {}), ...nameservers };
    const doc = {
        network: {
            version: 2,
            ethernets: {
                "clusteros-en": { match: { name: "en*" }, ...settings },
                "clusteros-eth": { match: { name: "eth*" }, ...settings },
            },
        },
    };
    const header = "# ClusterOS network pre-seed (config key bareMetal.network.wired), written by the installer.\n";
    return { path: "/etc/netplan/60-clusteros-bare-metal.yaml", mode: "0600", content: header + stringify(doc, { aliasDuplicateObjects: false }) };
}

/** WiFi on both flavors: iwd authenticates, systemd-networkd runs DHCP on wl*. */
function wifiFiles(wifi: WifiNetwork): PreseedFile[] {
    const raw = RAW_KEY.test(wifi.psk);
    return [
        { path: "/etc/systemd/network/61-clusteros-wifi.network", mode: "0644", content: template("wifi.network.mustache") },
        {
            path: `/var/lib/iwd/${iwdFileName(wifi.ssid)}`, mode: "0600",
            content: template("iwd.psk.mustache", raw ? { preSharedKey: wifi.psk.toLowerCase() } : { passphrase: iwdString(wifi.psk) }),
        },
    ];
}

export function renderBareMetal(bm: BareMetal): Preseed {
    const { wired, wifi } = bm.network;
    const files: PreseedFile[] = [];
    if (wired) files.push(bm.flavor === "ubuntu-24.04" ? netplanWired(wired) : networkdWired(wired));
    if (wifi) files.push(...wifiFiles(wifi));
    files.push({ path: "/etc/cloud/cloud.cfg.d/99-clusteros-bare-metal.cfg", mode: "0644", content: template("99-clusteros-bare-metal.cfg") });
    const enableUnits = ["systemd-networkd.service", ...(wifi ? ["iwd.service"] : [])];
    return { flavor: bm.flavor, files, enableUnits };
}
