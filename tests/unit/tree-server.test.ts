// The provisioning network's HTTP server (components/providers/tree-server.ts and the program
// it starts, components/exec/tree-server.mjs), run for real on loopback: what it serves and
// refuses, what it logs, and its life as a resource (create, refresh, delete, an interrupted
// run's server, a port taken). And the reading of /proc/net/tcp that finds a port taken.
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { wildcardListenersIn } from "../../components/host-networks";
import { TreeServerInputs, treeServerProvider as provider } from "../../components/providers/tree-server";
import { alive } from "../../lab/processes";

const work = fs.mkdtempSync(path.join(os.tmpdir(), "tree-server-"));
const tree = path.join(work, "tree");

function freePort(): Promise<number> {
    return new Promise((resolve) => {
        const s = net.createServer().listen(0, "127.0.0.1", () => {
            const { port } = s.address() as net.AddressInfo;
            s.close(() => resolve(port));
        });
    });
}

async function get(port: number, urlPath: string, method = "GET"): Promise<{ status: number; body: string }> {
    const r = await fetch(`http://127.0.0.1:${port}${urlPath}`, { method });
    return { status: r.status, body: method === "HEAD" ? "" : await r.text() };
}

/**
 * Whether process pid has ended: a server this test process started stays its zombie until
 * node reaps it, which a provider's process never sees (its servers are no children of it).
 */
function ended(pid: number): boolean {
    try {
        return !alive(pid) || / Z /.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\)/, ""));
    } catch {
        return true;
    }
}

const inputsFor = (port: number, name: string): TreeServerInputs => ({
    root: tree, address: "127.0.0.1", port, pidFile: path.join(work, "state", `${name}.pid`), logFile: path.join(work, "state", `${name}.log`), network: "net-1",
});

describe("the tree's HTTP server", () => {
    let inputs: TreeServerInputs;
    let pid = 0;

    beforeAll(async () => {
        fs.mkdirSync(path.join(tree, "clusteros", "seeds", "52-54-00-00-00-01"), { recursive: true });
        fs.writeFileSync(path.join(tree, "clusteros", "SHA256SUMS"), "abc  clusteros-node.raw.gz\n");
        fs.writeFileSync(path.join(tree, "clusteros", "seeds", "52-54-00-00-00-01", "user-data"), "#cloud-config\n");
        fs.writeFileSync(path.join(work, "outside"), "not served\n");
        fs.symlinkSync(path.join(work, "outside"), path.join(tree, "clusteros", "link-out"));
        inputs = inputsFor(await freePort(), "a");
        const r = await provider.create!(inputs);
        pid = r.outs.pid;
    }, 30_000);
    afterAll(async () => {
        await provider.delete!("", { ...inputs, pid });
        fs.rmSync(work, { recursive: true, force: true });
    });

    it("runs once created, its pid file private, and answers with the tree's files", async () => {
        expect(alive(pid)).toBe(true);
        expect(fs.statSync(inputs.pidFile).mode & 0o077).toBe(0);
        expect(await get(inputs.port, "/clusteros/SHA256SUMS")).toEqual({ status: 200, body: "abc  clusteros-node.raw.gz\n" });
        expect((await get(inputs.port, "/clusteros/seeds/52-54-00-00-00-01/user-data")).body).toBe("#cloud-config\n");
        expect((await get(inputs.port, "/clusteros/SHA256SUMS", "HEAD")).status).toBe(200);
    });

    it("refuses what is not a file of the tree: missing, a directory, out of it by .. or by a link, another method", async () => {
        expect((await get(inputs.port, "/clusteros/missing")).status).toBe(404);
        expect((await get(inputs.port, "/clusteros/")).status).toBe(404);
        expect((await get(inputs.port, "/clusteros/%2e%2e/%2e%2e/outside")).status).toBe(404);
        expect((await get(inputs.port, "/clusteros/link-out")).status).toBe(404);
        expect((await get(inputs.port, "/clusteros/SHA256SUMS", "POST")).status).toBe(405);
    });

    it("logs each request: client, method, path, status and bytes", async () => {
        await get(inputs.port, "/clusteros/SHA256SUMS");
        const lines = fs.readFileSync(inputs.logFile, "utf8").split("\n");
        expect(lines.some((l) => / 127\.0\.0\.1 GET \/clusteros\/SHA256SUMS 200 27$/.test(l)), lines.join("\n")).toBe(true);
        expect(lines.some((l) => / GET \/clusteros\/missing 404 0$/.test(l))).toBe(true);
    });

    it("logs a request whose client closes as soon as it has the body, as busybox's wget does", async () => {
        const body = await new Promise<string>((resolve, reject) => {
            const sock = net.connect(inputs.port, "127.0.0.1", () => sock.write("GET /clusteros/seeds/52-54-00-00-00-01/user-data HTTP/1.1\r\nHost: x\r\n\r\n"));
            let got = "";
            sock.on("data", (d) => {
                got += d.toString();
                if (got.endsWith("#cloud-config\n")) {
                    sock.destroy();
                    resolve(got);
                }
            });
            sock.on("error", reject);
        });
        expect(body).toContain("200 OK");
        let log = "";
        for (let i = 0; i < 20 && !log.includes("user-data 200 14"); i++) {
            await new Promise((r) => setTimeout(r, 100));
            log = fs.readFileSync(inputs.logFile, "utf8");
        }
        expect(log).toMatch(/ 127\.0\.0\.1 GET \/clusteros\/seeds\/52-54-00-00-00-01\/user-data 200 14\n/);
    });

    it("logs a request whose client resets the connection partway with the client's address (it was once logged as 'undefined' in CI)", async () => {
        fs.writeFileSync(path.join(tree, "clusteros", "big"), Buffer.alloc(8 << 20));
        for (let i = 0; i < 5; i++) {
            await new Promise<void>((resolve) => {
                const sock = net.connect(inputs.port, "127.0.0.1", () => sock.write("GET /clusteros/big HTTP/1.1\r\nHost: x\r\n\r\n"));
                sock.once("data", () => { sock.resetAndDestroy(); resolve(); });
                sock.on("error", () => resolve());
            });
        }
        const logged = () => fs.readFileSync(inputs.logFile, "utf8").split("\n").filter((l) => l.includes(" GET /clusteros/big 200 "));
        for (let i = 0; i < 50 && logged().length < 5; i++) await new Promise((r) => setTimeout(r, 100));
        expect(logged()).toHaveLength(5);
        expect(logged().filter((l) => !/ 127\.0\.0\.1 GET /.test(l)), "lines without the client's address").toEqual([]);
    });

    it("is found by a refresh while it runs, and reported gone once it was killed, so the next up starts it again", async () => {
        expect((await provider.read!("127.0.0.1:1", { ...inputs, pid }))).toMatchObject({ id: "127.0.0.1:1" });
        const b = inputsFor(await freePort(), "b");
        const { outs } = await provider.create!(b);
        process.kill(outs.pid, "SIGKILL");
        for (let i = 0; i < 50 && !ended(outs.pid); i++) await new Promise((r) => setTimeout(r, 100));
        expect((await provider.read!("x", { ...b, pid: outs.pid })).id).toBe("");
        expect(fs.existsSync(b.pidFile)).toBe(false);
    }, 30_000);

    it("on create, stops the server an interrupted run started and never recorded (its pid file names it); delete stops it and removes its files", async () => {
        const c = inputsFor(await freePort(), "c");
        const first = (await provider.create!(c)).outs.pid;
        const second = (await provider.create!(c)).outs.pid;
        expect(ended(first)).toBe(true);
        expect((await get(c.port, "/clusteros/SHA256SUMS")).status).toBe(200);
        await provider.delete!("", { ...c, pid: second });
        expect(ended(second)).toBe(true);
        expect([c.pidFile, c.logFile].filter((f) => fs.existsSync(f)), "its pid file and log, after delete").toEqual([]);
    }, 30_000);

    it("fails to create on a port already taken, naming the config key to change, and leaves no process", async () => {
        const taken = await freePort();
        const holder = net.createServer().listen(taken, "127.0.0.1");
        await new Promise((r) => holder.once("listening", r));
        try {
            const d = inputsFor(taken, "d");
            await expect(provider.create!(d)).rejects.toThrow(/did not start on 127\.0\.0\.1:\d+ \(cannot serve on 127\.0\.0\.1:\d+: EADDRINUSE\).*pulumi config set netbootHttpPort/);
            expect(fs.existsSync(d.pidFile)).toBe(false);
        } finally {
            holder.close();
        }
    }, 30_000);
});

describe("wildcardListenersIn (/proc/net/tcp and tcp6)", () => {
    const tcp = [
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
        "   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1",
        "   1: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1",
        "   2: 00000000:1F92 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 3 1",
    ].join("\n");
    const tcp6 = "   0: 00000000000000000000000000000000:1F92 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 4 1";

    it("finds a server listening on every address of the port, IPv4 or IPv6", () => {
        expect(wildcardListenersIn(tcp, 8080)).toEqual(["0.0.0.0:8080"]);
        expect(wildcardListenersIn(`${tcp}\n${tcp6}`, 8082)).toEqual(["[::]:8082"]);
    });

    it("leaves out one address's listener (127.0.0.1:8081) and a connection that is not listening", () => {
        expect(wildcardListenersIn(tcp, 8081)).toEqual([]);
        expect(wildcardListenersIn(tcp, 8082)).toEqual([]);
    });
});
