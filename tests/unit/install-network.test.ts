// The network install's fetching (images/installer/clusteros-install, fetch_medium), on a
// made-up /sys/class/net with stand-ins for ipconfig (DHCP), wget (an HTTP server's files)
// and mount: DHCP on each interface until one answers, then the image, its checksums,
// install.conf, the pre-seed and this machine's own seed (by MAC, as on a medium) or every
// machine's, each only if the server has it.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const INSTALLER = path.join(__dirname, "..", "..", "images", "installer", "clusteros-install");
const URL = "http://10.0.9.1/clusteros";

let root: string;
beforeEach(() => { root = fs.mkdtempSync(path.join(os.tmpdir(), "fake-net-")); });
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

/**
 * A machine with these interfaces (name -> MAC; `answers` those DHCP answers on) and a server
 * holding `files` (path under clusteros/ -> content). Stand-ins log their calls to calls.
 */
function machine(interfaces: Record<string, string>, answers: string[], files: Record<string, string>): void {
    const bin = path.join(root, "bin");
    fs.mkdirSync(bin);
    fs.mkdirSync(path.join(root, "run"));
    for (const [name, mac] of Object.entries({ lo: "00:00:00:00:00:00", ...interfaces })) {
        fs.mkdirSync(path.join(root, "sys", "class", "net", name), { recursive: true });
        fs.writeFileSync(path.join(root, "sys", "class", "net", name, "address"), `${mac}\n`);
        fs.writeFileSync(path.join(root, "sys", "class", "net", name, "mtu"), "1500\n");
    }
    const server = path.join(root, "server");
    for (const [f, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(server, f)), { recursive: true });
        fs.writeFileSync(path.join(server, f), content);
    }
    const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "${name} $*" >> "${root}/calls"\n${body}\n`, { mode: 0o755 });
    // ipconfig -t N -c dhcp -d DEV: an address for the interfaces that get an answer.
    stub("ipconfig", `case " ${answers.join(" ")} " in *" $6 "*) echo "IPV4ADDR='10.0.9.50'" > "${root}/run/net-$6.conf" ;; *) exit 1 ;; esac`);
    // wget -q -O FILE URL: the server's file, or a failure (404).
    stub("wget", `f="${server}/\${4#${URL}/}"; [ -f "$f" ] && cp "$f" "$3"`);
    // tftp -g -b SIZE -r clusteros/FILE -l LOCAL SERVER: the same files, by TFTP.
    stub("tftp", `f="${server}/\${5#clusteros/}"; [ "$8" = 10.0.9.1 ] && [ -f "$f" ] && cp "$f" "$7"`);
    stub("mount", "exit 0");
}

function run(fn: string): { out: string; ok: boolean } {
    const r = spawnSync("sh", ["-c", `. "${INSTALLER}"; ${fn}`], {
        encoding: "utf8",
        env: { ...process.env, PATH: `${path.join(root, "bin")}:${process.env.PATH}`, CLUSTEROS_INSTALL_TEST: "1",
            SYS: path.join(root, "sys"), RUN: path.join(root, "run"), MEDIUM_DIR: path.join(root, "medium"), CMDLINE: "" },
    });
    return { out: r.stdout.trim(), ok: r.status === 0 };
}

const fetched = () => {
    const dir = path.join(root, "medium", "clusteros");
    const all: string[] = [];
    const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true })
        .forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : all.push(path.relative(dir, path.join(d, e.name)))));
    walk(dir);
    return all.sort();
};

describe("network install", () => {
    const image = { "clusteros-node.raw.zst": "image", SHA256SUMS: "sums" };

    it("gets an address on the interface DHCP answers on, and fetches the image and this machine's own seed, by MAC", () => {
        machine({ eno1: "52:54:00:00:00:01", ens3: "52:54:00:AA:00:02" }, ["ens3"], {
            ...image, "install.conf": "target=smallest\n", "preseed.tar": "tar",
            "seeds/52-54-00-aa-00-02/user-data": "#cloud-config\nhostname: mine\n", "seeds/52-54-00-aa-00-02/meta-data": "instance-id: mine\n",
            "seeds/52-54-00-00-00-09/user-data": "#cloud-config\nhostname: other\n", "seed/user-data": "#cloud-config\nhostname: any\n",
        });
        const r = run(`fetch_medium ${URL} && echo "$NET_DEVICE $NET_ADDRESS" && machine_seed`);
        expect(r.ok, r.out).toBe(true);
        expect(r.out).toContain(`clusteros-install: medium: ${URL}, fetched over ens3 (10.0.9.50, MTU 1500)`);
        expect(r.out).toContain("ens3 10.0.9.50");
        expect(r.out).toMatch(/clusteros\/seeds\/52-54-00-aa-00-02$/);
        expect(fetched()).toEqual(["SHA256SUMS", "clusteros-node.raw.zst", "install.conf", "preseed.tar",
            "seed/user-data", "seeds/52-54-00-aa-00-02/meta-data", "seeds/52-54-00-aa-00-02/user-data"]);
        expect(fs.readFileSync(path.join(root, "calls"), "utf8")).toContain("ipconfig -t 20 -c dhcp -d eno1");
    });

    it("takes every machine's seed when the server has none for this one, and leaves out what the server does not have", () => {
        machine({ eth0: "52:54:00:00:00:01" }, ["eth0"], { ...image, "seed/user-data": "#cloud-config\n", "seed/meta-data": "instance-id: x\n" });
        const r = run(`fetch_medium ${URL} && machine_seed`);
        expect(r.ok, r.out).toBe(true);
        expect(r.out).toMatch(/clusteros\/seed$/);
        expect(fetched()).toEqual(["SHA256SUMS", "clusteros-node.raw.zst", "seed/meta-data", "seed/user-data"]);
    });

    it("installs this machine's seed private to root, or, when the server has none for it, says so, naming the machine's IDs", () => {
        machine({ eth0: "52:54:00:00:00:01" }, ["eth0"], { ...image, "seeds/52-54-00-00-00-01/user-data": "#cloud-config\n", "seeds/52-54-00-00-00-01/meta-data": "instance-id: a\n" });
        const target = path.join(root, "target");
        const mine = run(`fetch_medium ${URL} && install_seed ${target}`);
        expect(mine.out).toContain("NoCloud seed added from seeds/52-54-00-00-00-01 (meta-data user-data )");
        const nocloud = path.join(target, "var/lib/cloud/seed/nocloud");
        expect(fs.readdirSync(nocloud).sort()).toEqual(["meta-data", "user-data"]);
        expect([fs.statSync(nocloud).mode & 0o777, fs.statSync(path.join(nocloud, "user-data")).mode & 0o777]).toEqual([0o700, 0o600]);

        fs.rmSync(root, { recursive: true, force: true });
        fs.mkdirSync(root);
        machine({ eth0: "52:54:00:00:00:02" }, ["eth0"], { ...image, "seeds/52-54-00-00-00-01/user-data": "#cloud-config\n" });
        const none = run(`fetch_medium ${URL} && install_seed ${target}`);
        expect(none.ok, none.out).toBe(true);
        expect(none.out).toContain("clusteros-install: no seed for this machine on the medium (its IDs: 52-54-00-00-00-02 ): installed without one");
        expect(fs.existsSync(path.join(target, "var/lib/cloud/seed/nocloud")), "a seed in the installed system").toBe(false);
    });

    it("fetches the same by TFTP from a tftp:// URL (a provisioning network with no HTTP server), in blocks the MTU DHCP set carries whole", () => {
        machine({ eth0: "52:54:00:00:00:01" }, ["eth0"], { ...image, "seeds/52-54-00-00-00-01/user-data": "#cloud-config\n" });
        fs.writeFileSync(path.join(root, "sys", "class", "net", "eth0", "mtu"), "9000\n"); // a stack's provisioning network
        const r = run("fetch_medium tftp://10.0.9.1/clusteros && machine_seed");
        expect(r.ok, r.out).toBe(true);
        expect(r.out).toContain("fetched over eth0 (10.0.9.50, MTU 9000)");
        expect(r.out).toMatch(/clusteros\/seeds\/52-54-00-00-00-01$/);
        expect(fetched()).toEqual(["SHA256SUMS", "clusteros-node.raw.zst", "seeds/52-54-00-00-00-01/user-data"]);
        expect(fs.readFileSync(path.join(root, "calls"), "utf8")).toContain("tftp -g -b 8968 -r clusteros/clusteros-node.raw.zst");
    });

    it("fails, naming the interfaces, when DHCP answers on none; and when the server has no image", () => {
        machine({ eth0: "52:54:00:00:00:01", eth1: "52:54:00:00:00:02" }, [], image);
        const none = run(`fetch_medium ${URL}`);
        expect(none.ok).toBe(false);
        expect(none.out).toContain("no network interface got an address by DHCP (interfaces: eth0 eth1 lo )");
        fs.rmSync(root, { recursive: true }); fs.mkdirSync(root);
        machine({ eth0: "52:54:00:00:00:01" }, ["eth0"], { SHA256SUMS: "sums" });
        expect(run(`fetch_medium ${URL}`).ok).toBe(false);
    });
});
