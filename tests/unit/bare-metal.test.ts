// The bare-metal network pre-seed: the bareMetal key as validateConfig reports it, and the
// files the installer writes, parsed back the way networkd, iwd, netplan and cloud-init read them.
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { iwdFileName, Preseed, PreseedFile, renderBareMetal } from "../../components/plan/bare-metal";
import { ClusterConfig, ConfigError, ConfigProblem, ImageFlavor, RawConfig, validateConfig } from "../../components/plan/config";
import { host } from "./helpers";

const PSK = "correct horse battery";
const PSK_KEY = "bareMetal.network.wifi.psk";

/** Validates a bareMetal value; `secret`: whether the PSK was set with --secret. */
function load(bareMetal: unknown, opts: { secret?: boolean; raw?: RawConfig } = {}): ClusterConfig {
    const checks = { ...host, isSecret: (p: string) => (p === PSK_KEY ? opts.secret ?? true : true) };
    return validateConfig({ imageFlavor: "debian-12", ...opts.raw, bareMetal }, checks);
}

function problemsOf(bareMetal: unknown, opts: { secret?: boolean; raw?: RawConfig } = {}): { problems: ConfigProblem[]; message: string } {
    try {
        load(bareMetal, opts);
    } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return { problems: (e as ConfigError).problems, message: (e as Error).message };
    }
    throw new Error("config was accepted");
}

function problemAt(bareMetal: unknown, key: string, opts: { secret?: boolean } = {}): ConfigProblem {
    const { problems } = problemsOf(bareMetal, opts);
    const p = problems.find((x) => x.key === key);
    expect(p, `no problem for ${key}: ${JSON.stringify(problems)}`).toBeDefined();
    return p!;
}

const wifi = (ssid: unknown, psk: unknown = PSK) => ({ network: { wifi: { ssid, psk } } });
const staticWired = (extra: object = {}) => ({ network: { wired: { address: "192.168.10.20/24", ...extra } } });

/** A keyfile as systemd-networkd and iwd (ell's l_settings) read it: group -> key -> values. */
function keyfile(text: string): Record<string, Record<string, string[]>> {
    const out: Record<string, Record<string, string[]>> = {};
    let group = "";
    for (const raw of text.split("\n")) {
        const line = raw.replace(/^[ \t]+/, "");
        if (line === "" || line.startsWith("#")) continue;
        const g = /^\[(.+)\]\s*$/.exec(line);
        if (g) {
            group = g[1];
            out[group] ??= {};
            continue;
        }
        const eq = line.indexOf("=");
        expect(eq, `not key=value: ${line}`).toBeGreaterThan(0);
        expect(group, `key outside a group: ${line}`).not.toBe("");
        (out[group][line.slice(0, eq).trim()] ??= []).push(line.slice(eq + 1).replace(/^[ \t]+/, ""));
    }
    return out;
}

/** iwd's unescaping of a string value (\s, \\; anything else after a backslash is invalid). */
function iwdUnescape(v: string): string {
    return v.replace(/\\(.)/g, (_, c: string) => {
        if (c === "s") return " ";
        if (c === "\\") return "\\";
        throw new Error(`invalid escape \\${c}`);
    });
}

function fileAt(preseed: Preseed, path: string): PreseedFile {
    const f = preseed.files.find((x) => x.path === path);
    expect(f, `no ${path} in ${preseed.files.map((x) => x.path).join(", ")}`).toBeDefined();
    return f!;
}

function render(bareMetal: unknown, flavor: ImageFlavor = "debian-12"): Preseed {
    const cfg = load(bareMetal, { raw: { imageFlavor: flavor } });
    expect(cfg.bareMetal).toBeDefined();
    return renderBareMetal(cfg.bareMetal!);
}

describe("bareMetal config", () => {
    it("is not configured by default, nor by an empty value", () => {
        expect(validateConfig({ imageFlavor: "debian-12" }, host).bareMetal).toBeUndefined();
        expect(load("{}").bareMetal).toBeUndefined();
    });

    it("reads the JSON Pulumi hands over, whole numbers included", () => {
        // `pulumi config set --path bareMetal.network.wifi.ssid 12345` stores a number.
        const cfg = load(JSON.stringify({ network: { wired: { dhcp: true, dns: ["1.1.1.1"] }, wifi: { ssid: 12345, psk: PSK } } }));
        expect(cfg.bareMetal).toEqual({
            flavor: "debian-12",
            network: { wired: { dhcp: true, dns: ["1.1.1.1"] }, wifi: { ssid: "12345", psk: PSK } },
        });
    });

    it("installs the debian-12 files for a prebuilt image", () => {
        const cfg = load({ network: { wired: { dhcp: true } } }, { raw: { imageFlavor: "", imagePath: "/images/prebuilt.qcow2" } });
        expect(cfg.bareMetal!.flavor).toBe("debian-12");
    });

    it("accepts SSIDs of 1 to 32 bytes and passphrases of 8 to 63 characters or 64 hex digits", () => {
        expect(load(wifi("é".repeat(16))).bareMetal!.network.wifi!.ssid).toBe("é".repeat(16)); // 32 bytes
        expect(() => load(wifi("a", "12345678"))).not.toThrow();
        expect(() => load(wifi("a", "~".repeat(63)))).not.toThrow();
        expect(() => load(wifi("a", "0123456789abcdefABCDEF".repeat(3).slice(0, 64)))).not.toThrow();
    });

    const bad: [string, unknown, string, RegExp][] = [
        ["an SSID of 33 bytes (17 characters)", wifi("é".repeat(16) + "x"), "bareMetal.network.wifi.ssid", /33 bytes long in UTF-8; an SSID has 1 to 32 bytes/],
        ["an empty SSID", wifi(""), "bareMetal.network.wifi.ssid", /0 bytes long/],
        ["a missing SSID", { network: { wifi: { psk: PSK } } }, "bareMetal.network.wifi.ssid", /is missing/],
        ["a PSK of 7 characters", wifi("MyNet", "hunter2"), PSK_KEY, /has 7 characters; a WPA passphrase has 8 to 63/],
        ["a PSK of 64 characters, not hex", wifi("MyNet", "g".repeat(64)), PSK_KEY, /64 characters but not all are hex digits/],
        ["a PSK with a non-ASCII character", wifi("MyNet", "pässwörter"), PSK_KEY, /outside printable ASCII/],
        ["a missing PSK", { network: { wifi: { ssid: "MyNet" } } }, PSK_KEY, /is missing/],
        ["a gateway outside the subnet", staticWired({ gateway: "192.168.11.1" }), "bareMetal.network.wired.gateway",
            /outside the subnet of bareMetal.network.wired.address \(192.168.10.0\/24\)/],
        ["the machine's own address as gateway", staticWired({ gateway: "192.168.10.20" }), "bareMetal.network.wired.gateway", /own address/],
        ["a gateway with DHCP", { network: { wired: { dhcp: true, gateway: "192.168.10.1" } } }, "bareMetal.network.wired.gateway",
            /needs a static address/],
        ["dhcp and a static address together", staticWired({ dhcp: true }), "bareMetal.network.wired.address", /either DHCP or static/],
        ["neither dhcp nor an address", { network: { wired: { dns: ["1.1.1.1"] } } }, "bareMetal.network.wired", /neither dhcp true nor a static address/],
        ["an address without prefix", { network: { wired: { address: "192.168.10.20" } } }, "bareMetal.network.wired.address", /with prefix length/],
        ["the subnet's network address", { network: { wired: { address: "192.168.10.0/24" } } }, "bareMetal.network.wired.address",
            /network address of 192.168.10.0\/24/],
        ["a DNS entry that is no IPv4 address", staticWired({ dns: ["1.1.1.1", "dns.example"] }), "bareMetal.network.wired.dns[1]", /not an IPv4 address/],
        ["a non-boolean dhcp", { network: { wired: { dhcp: "yes" } } }, "bareMetal.network.wired.dhcp", /true or false/],
        ["a network with neither wired nor wifi", { network: {} }, "bareMetal.network", /neither wired nor wifi/],
        ["a misspelt wired key", { network: { wired: { dhcp: true, dsn: ["1.1.1.1"] } } }, "bareMetal.network.wired.dsn", /\(did you mean dns\?\)/],
        ["a misspelt network key", { netwrok: { wired: { dhcp: true } } }, "bareMetal.netwrok", /\(did you mean network\?\)/],
        ["a key nothing is close to", { network: { wired: { dhcp: true, mtu: 9000 } } }, "bareMetal.network.wired.mtu", /known: dhcp, address, gateway, dns/],
    ];

    it.each(bad)("rejects %s, naming the key and a fix", (_name, bareMetal, key, message) => {
        const p = problemAt(bareMetal, key);
        expect(p.problem).toMatch(message);
        expect(p.fix).toMatch(/pulumi config (set|rm)/);
    });

    it("suggests the right key for a misspelt PSK, with --secret, and hides its value", () => {
        const p = problemAt({ network: { wifi: { ssid: "MyNet", pks: PSK } } }, "bareMetal.network.wifi.pks");
        expect(p.problem).toMatch(/did you mean psk\?/);
        expect(p.fix).toBe("pulumi config rm --path bareMetal.network.wifi.pks && pulumi config set --secret --path bareMetal.network.wifi.psk <value>");
        expect(p.value).toBe("(secret)");
    });

    it("reports a PSK set without --secret and says how to set it", () => {
        const p = problemAt(wifi("MyNet"), PSK_KEY, { secret: false });
        expect(p.problem).toMatch(/plain text/);
        expect(p.fix).toBe("set it with pulumi config set --secret --path bareMetal.network.wifi.psk '<passphrase>'");
        expect(p.value).toBe("(secret)");
        expect(() => load(wifi("MyNet"), { secret: true })).not.toThrow();
    });

    it("suggests bareMetal for a misspelt top-level key", () => {
        const p = problemsOf({}, { raw: { baremetal: "{}" } }).problems.find((x) => x.key === "baremetal")!;
        expect(p.problem).toMatch(/did you mean bareMetal\?/);
    });

    it("never shows the PSK in an error, whatever else is wrong", () => {
        const secrets = ["hunter2", "correct horse battery", "g".repeat(64), "my-typo-psk"];
        const cases: unknown[] = [
            wifi("MyNet", "hunter2"),
            wifi("é".repeat(17), "correct horse battery"),
            wifi("MyNet", "g".repeat(64)),
            { network: { wifi: { ssid: "MyNet", pks: "my-typo-psk", psk: "hunter2" } } },
            { network: { wifii: { ssid: "MyNet", psk: "correct horse battery" } } },
            { network: { wifi: { ssid: "MyNet", psk: "correct horse battery" }, wired: {} } },
            { netwrk: { wifi: { ssid: "MyNet", psk: "my-typo-psk" } } },
            JSON.stringify({ network: { wifi: { ssid: "", psk: "hunter2" } } }),
        ];
        for (const [i, c] of cases.entries()) {
            const { problems, message } = problemsOf(c, { secret: false });
            for (const s of secrets) {
                expect(message, `case ${i}`).not.toContain(s);
                expect(JSON.stringify(problems), `case ${i}`).not.toContain(s);
            }
        }
    });

    it("reports every bareMetal problem together with the other keys' problems", () => {
        const { problems } = problemsOf({ network: { wired: { dhcp: true, address: "10.0.0.5/24" }, wifi: { ssid: "" } } }, { raw: { nodeCount: 0 } });
        expect(problems.map((p) => p.key)).toEqual([
            "nodeCount", "bareMetal.network.wired.address", "bareMetal.network.wifi.ssid", PSK_KEY,
        ]);
    });
});

describe("bareMetal files for debian-12 (systemd-networkd, iwd)", () => {
    it("writes DHCP on the wired interfaces and enables networkd only", () => {
        const out = render({ network: { wired: { dhcp: true } } });
        expect(out.flavor).toBe("debian-12");
        const f = fileAt(out, "/etc/systemd/network/60-clusteros-wired.network");
        expect(f.mode).toBe("0644");
        expect(keyfile(f.content)).toEqual({ Match: { Name: ["en* eth*"] }, Network: { DHCP: ["yes"] } });
        expect(out.enableUnits).toEqual(["systemd-networkd.service"]);
        expect(out.files.some((x) => x.path.startsWith("/var/lib/iwd/"))).toBe(false);
    });

    it("writes a static address with gateway and DNS servers", () => {
        const out = render(staticWired({ gateway: "192.168.10.1", dns: ["192.168.10.1", "9.9.9.9"] }));
        const net = keyfile(fileAt(out, "/etc/systemd/network/60-clusteros-wired.network").content);
        expect(net.Network).toEqual({ Address: ["192.168.10.20/24"], Gateway: ["192.168.10.1"], DNS: ["192.168.10.1", "9.9.9.9"] });
    });

    it("joins WiFi with iwd (passphrase, file 0600) and runs DHCP on wl* with networkd", () => {
        const out = render(wifi("MyNet"));
        const iwd = fileAt(out, "/var/lib/iwd/MyNet.psk");
        expect(iwd.mode).toBe("0600");
        expect(keyfile(iwd.content)).toEqual({ Security: { Passphrase: [PSK] } });
        const net = keyfile(fileAt(out, "/etc/systemd/network/61-clusteros-wifi.network").content);
        expect(net).toEqual({ Match: { Name: ["wl*"] }, Network: { DHCP: ["yes"] } });
        expect(out.enableUnits.sort()).toEqual(["iwd.service", "systemd-networkd.service"]);
    });

    it("gives iwd a 64-hex-digit key as PreSharedKey", () => {
        const key = "A1".repeat(32);
        const iwd = keyfile(fileAt(render(wifi("MyNet", key)), "/var/lib/iwd/MyNet.psk").content);
        expect(iwd.Security).toEqual({ PreSharedKey: [key.toLowerCase()] });
    });

    it("escapes a passphrase the way iwd reads it back", () => {
        for (const psk of ["  two leading spaces", "back\\slash\\\\and trailing  ", "#not a comment=", "[not a group]"]) {
            const iwd = keyfile(fileAt(render(wifi("MyNet", psk)), "/var/lib/iwd/MyNet.psk").content);
            expect(iwdUnescape(iwd.Security.Passphrase[0])).toBe(psk);
        }
    });

    it("names iwd's file by the SSID as iwd does: verbatim if safe, else = and hex of its bytes", () => {
        expect(iwdFileName("Lab_Net-5 GHz")).toBe("Lab_Net-5 GHz.psk");
        expect(iwdFileName("Café")).toBe("=436166c3a9.psk");
        expect(iwdFileName("my.net")).toBe("=6d792e6e6574.psk");
        expect(iwdFileName("../etc")).toBe("=2e2e2f657463.psk");
        expect(fileAt(render(wifi("Café")), "/var/lib/iwd/=436166c3a9.psk").mode).toBe("0600");
    });
});

describe("bareMetal files for ubuntu-24.04 (netplan)", () => {
    const NETPLAN = "/etc/netplan/60-clusteros-bare-metal.yaml";

    it("writes one netplan file, 0600, with a static address on en* and eth*", () => {
        const out = render(staticWired({ gateway: "192.168.10.1", dns: ["9.9.9.9"] }), "ubuntu-24.04");
        expect(out.flavor).toBe("ubuntu-24.04");
        const f = fileAt(out, NETPLAN);
        expect(f.mode).toBe("0600");
        expect(f.content, "plain YAML, no anchors or aliases").not.toMatch(/[&*]a\d/);
        const doc = parse(f.content);
        expect(doc.network.version).toBe(2);
        const eths = Object.values(doc.network.ethernets) as Record<string, unknown>[];
        expect(eths.map((e) => e.match)).toEqual([{ name: "en*" }, { name: "eth*" }]);
        for (const e of eths) {
            expect(e).toMatchObject({
                dhcp4: false, addresses: ["192.168.10.20/24"],
                routes: [{ to: "0.0.0.0/0", via: "192.168.10.1" }], nameservers: { addresses: ["9.9.9.9"] },
            });
        }
        expect(out.files.some((x) => x.path.startsWith("/etc/systemd/network/"))).toBe(false);
    });

    it("writes DHCP without addresses or routes", () => {
        const doc = parse(fileAt(render({ network: { wired: { dhcp: true } } }, "ubuntu-24.04"), NETPLAN).content);
        for (const e of Object.values(doc.network.ethernets)) expect(e).toEqual({ match: expect.any(Object), dhcp4: true });
    });

    it("joins WiFi with iwd as on debian-12, beside the netplan file", () => {
        const out = render({ network: { wired: { dhcp: true }, wifi: { ssid: "MyNet", psk: PSK } } }, "ubuntu-24.04");
        expect(keyfile(fileAt(out, "/var/lib/iwd/MyNet.psk").content).Security.Passphrase).toEqual([PSK]);
        expect(fileAt(out, "/etc/systemd/network/61-clusteros-wifi.network").mode).toBe("0644");
        expect(parse(fileAt(out, NETPLAN).content).network.wifis).toBeUndefined();
        expect(out.enableUnits.sort()).toEqual(["iwd.service", "systemd-networkd.service"]);
    });
});

describe.each(["debian-12", "ubuntu-24.04"] as const)("bareMetal files for %s", (flavor) => {
    it("keeps cloud-init from replacing the pre-seeded network", () => {
        const f = fileAt(render({ network: { wired: { dhcp: true } } }, flavor), "/etc/cloud/cloud.cfg.d/99-clusteros-bare-metal.cfg");
        expect(parse(f.content)).toEqual({ network: { config: "disabled" } });
    });

    it("writes only absolute paths, each once, with octal modes", () => {
        const out = render({ network: { wired: { dhcp: true }, wifi: { ssid: "../../etc/shadow", psk: PSK } } }, flavor);
        const paths = out.files.map((f) => f.path);
        expect(new Set(paths).size).toBe(paths.length);
        for (const f of out.files) {
            expect(f.path).toMatch(/^\/(etc|var\/lib\/iwd)\/[^\0]*$/);
            expect(f.path.split("/")).not.toContain("..");
            expect(f.mode).toMatch(/^0[0-7]{3}$/);
        }
    });
});
