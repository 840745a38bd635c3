// Reads the networks in use where the stack's nodes will live: every libvirt network on the
// daemon at libvirtUri, and every IPv4 address of an interface in this process's network
// namespace (where Pulumi runs: the host in host mode, the lab namespace in namespace mode);
// and the TCP ports held there on every address (the provisioning network's HTTP port).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { NetworkInUse, parseNetworkXml, toCidr } from "./plan/network-conflicts";

function run(cmd: string, args: string[]): { ok: boolean; out: string; err: string } {
    const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 20_000 });
    return { ok: !r.error && r.status === 0, out: r.stdout ?? "", err: (r.stderr ?? String(r.error ?? "")).trim() };
}

/**
 * The networks in use, or why libvirt could not be asked. `netns`: read the interfaces of
 * that network namespace instead of this process's (the CLI in namespace mode).
 */
export function readNetworksInUse(uri: string, netns?: string): NetworkInUse[] | string {
    const list = run("virsh", ["-c", uri, "net-list", "--all", "--name"]);
    if (!list.ok) return list.err.split("\n").filter((l) => l.trim() !== "").pop() ?? "virsh failed";
    const found: NetworkInUse[] = [];
    const bridges = new Set<string>();
    for (const name of list.out.split("\n").map((l) => l.trim()).filter((l) => l !== "")) {
        const xml = run("virsh", ["-c", uri, "net-dumpxml", name]);
        if (!xml.ok) continue; // removed meanwhile
        const net = parseNetworkXml(xml.out);
        if (net.bridge) bridges.add(net.bridge);
        for (const cidr of net.cidrs) found.push({ owner: `libvirt network ${name}`, name, cidr });
    }
    const addrs = run("ip", [...(netns ? ["netns", "exec", netns, "ip"] : []), "-j", "-4", "addr", "show"]);
    if (addrs.ok) {
        const links = JSON.parse(addrs.out) as { ifname: string; addr_info?: { local: string; prefixlen: number }[] }[];
        for (const link of links) {
            if (link.ifname === "lo" || bridges.has(link.ifname)) continue; // loopback; a libvirt network's own bridge
            for (const a of link.addr_info ?? []) {
                const cidr = toCidr(a.local, String(a.prefixlen));
                if (cidr) found.push({ owner: `interface ${link.ifname}`, name: link.ifname, cidr });
            }
        }
    }
    return found;
}

/** /proc/net/tcp's and tcp6's state of a listening socket. */
const TCP_LISTEN = "0A";

/**
 * The wildcard addresses (0.0.0.0, ::) listening on `port` in /proc/net/tcp{,6} text: a socket
 * there holds the port on every address of this network namespace. Pure.
 */
export function wildcardListenersIn(procNetTcp: string, port: number): string[] {
    const found: string[] = [];
    for (const line of procNetTcp.split("\n")) {
        const [, local, , state] = line.trim().split(/\s+/);
        const [addr, hexPort] = (local ?? "").split(":");
        if (state !== TCP_LISTEN || parseInt(hexPort ?? "", 16) !== port || !/^0+$/.test(addr ?? "")) continue;
        found.push(addr.length > 8 ? `[::]:${port}` : `0.0.0.0:${port}`);
    }
    return found;
}

/** What listens on TCP `port` at every address of this network namespace, or undefined. */
export function wildcardListener(port: number): string | undefined {
    const text = ["/proc/net/tcp", "/proc/net/tcp6"].map((f) => {
        try {
            return fs.readFileSync(f, "utf8");
        } catch {
            return "";
        }
    }).join("\n");
    const found = [...new Set(wildcardListenersIn(text, port))];
    return found.length > 0 ? `a server listens on ${found.join(" and ")}` : undefined;
}
