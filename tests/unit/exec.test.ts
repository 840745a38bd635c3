// The one command layer: argument lists (no shell quoting), collected and streamed output,
// retries until a deadline, and the one set of SSH options.
import { describe, expect, it } from "vitest";
import { shellQuote, spawnCollect, untilDeadline } from "../../components/exec/spawn";
import { scpArgv, SHARED_CONNECTION_NOISE, SSH_OPTIONS, sshArgv } from "../../components/exec/ssh";

describe("spawnCollect", () => {
    it("passes arguments as they are, with no shell in between", async () => {
        const r = await spawnCollect(["printf", "%s|", "a b", "$HOME", "'; rm -rf /'"]);
        expect(r.code).toBe(0);
        expect(r.stdout).toBe("a b|$HOME|'; rm -rf /'|");
    });

    it("feeds input, streams each line as it comes, and keeps stdout and stderr apart", async () => {
        const lines: string[] = [];
        const r = await spawnCollect(["bash", "-c", "cat; echo err >&2; printf last; exit 3"], { input: "one\ntwo\n", onLine: (l) => lines.push(l) });
        expect(r.code).toBe(3);
        expect(r.stdout).toBe("one\ntwo\nlast");
        expect(r.stderr).toBe("err\n");
        // Across the two pipes the order of arrival is the kernel's; within each it is kept.
        expect(lines.filter((l) => l !== "err")).toEqual(["one", "two", "last"]);
        expect(lines).toContain("err");
    });

    it("reports a program that does not exist as exit code 255 with the reason", async () => {
        const r = await spawnCollect(["/nonexistent/program"]);
        expect(r.code).toBe(255);
        expect(r.stderr).toMatch(/ENOENT/);
    });

    it("adds the given variables to the environment", async () => {
        expect((await spawnCollect(["bash", "-c", "echo $LAB_X"], { env: { LAB_X: "x y" } })).stdout).toBe("x y\n");
    });
});

describe("shellQuote", () => {
    it("gives a shell back every value as it was, quotes and spaces included", async () => {
        for (const v of ["plain/path-1.2", "a b", "it's", "$HOME `id` \"x\"", ""]) {
            expect((await spawnCollect(["bash", "-c", `printf %s ${shellQuote(v)}`])).stdout).toBe(v);
        }
        expect(shellQuote("plain/path-1.2")).toBe("plain/path-1.2");
    });
});

describe("untilDeadline", () => {
    it("retries until the attempt returns a value", async () => {
        let n = 0;
        expect(await untilDeadline(Date.now() + 5000, 1, async () => (++n === 3 ? "done" : undefined))).toBe("done");
        expect(n).toBe(3);
    });

    it("gives up once the deadline has passed", async () => {
        let n = 0;
        expect(await untilDeadline(Date.now() + 30, 10, async () => { n++; return undefined; })).toBeUndefined();
        expect(n).toBeGreaterThan(1);
        expect(n).toBeLessThan(10);
    });
});

describe("ssh", () => {
    const t = { user: "clusteros", host: "10.77.0.10", key: "/k" };

    it("uses one set of options for programs, people and copies", () => {
        const batch = sshArgv(t, "batch", ["true"]);
        expect(batch.slice(0, 3)).toEqual(["ssh", "-i", "/k"]);
        expect(batch.join(" ")).toContain(SSH_OPTIONS.join(" "));
        expect(batch.slice(-3)).toEqual(["BatchMode=yes", "clusteros@10.77.0.10", "true"]);
        expect(sshArgv(t, "interactive")).toContain("-t");
        expect(sshArgv(t, "interactive")).not.toContain("BatchMode=yes");
        expect(scpArgv(t, "/a", "/b").join(" ")).toContain(SSH_OPTIONS.join(" "));
        expect(scpArgv(t, "/a", "/b").slice(-2)).toEqual(["/a", "clusteros@10.77.0.10:/b"]);
    });

    it("shares one connection per node among batch commands only, its short keepalive ahead of the general one", () => {
        const shared = sshArgv({ ...t, control: "/run/x/%C" }, "batch", ["true"]);
        const at = (o: string) => shared.indexOf(o);
        expect(shared).toContain("ControlPath=/run/x/%C");
        expect(shared).toContain("ControlMaster=auto");
        // ssh keeps the first value of an option: the shared connection's keepalive must come first.
        expect(at("ServerAliveInterval=3")).toBeGreaterThan(0);
        expect(at("ServerAliveInterval=3")).toBeLessThan(at("ServerAliveInterval=15"));
        expect(sshArgv({ ...t, control: "/run/x/%C" }, "interactive").join(" ")).not.toContain("Control");
        expect(sshArgv(t, "batch", ["true"]).join(" ")).not.toContain("Control");
    });

    it("knows ssh's lines about a shared connection it could not use, and no others", () => {
        for (const l of ["mux_client_request_session: session request failed: Session open refused by peer\r",
            "mux_client_request_session: read from master failed: Broken pipe",
            "ControlSocket /tmp/s/522a already exists, disabling multiplexing"]) expect(l).toMatch(SHARED_CONNECTION_NOISE);
        for (const l of ["ssh: connect to host 10.0.0.1 port 22: Connection timed out", "Permission denied (publickey).", "mux is fine"]) {
            expect(l).not.toMatch(SHARED_CONNECTION_NOISE);
        }
    });
});

