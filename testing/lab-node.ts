// One node of a cluster under test, as NixOS's test driver names things: run a command and
// read its result (exec), insist that it works (succeed) or fails (fail), wait for a unit or
// a condition, copy files in and out. Every command goes over the lab's one SSH layer
// (cli/ssh.ts, components/exec/ssh.ts) with the stack's automation key.
import * as fs from "node:fs";
import { Ran, shellQuote, untilDeadline } from "../components/exec/spawn";
import { runOn } from "../cli/ssh";
import { NodeInfo, StackInfo } from "../cli/stack";

export class CommandFailed extends Error {
    constructor(readonly node: string, readonly command: string, readonly ran: Ran, expected: "succeed" | "fail") {
        super(`${node}: \`${command}\` ${expected === "succeed" ? `exited ${ran.code}` : "succeeded, but was expected to fail"}`
            + (ran.output.trim() ? `\n${ran.output.trim().split("\n").slice(-20).join("\n")}` : ""));
    }
}

export class TimedOut extends Error {}

export class LabNode {
    constructor(private readonly stack: StackInfo, readonly node: NodeInfo, private readonly key: string) {}

    get name(): string { return this.node.name; }
    get ip(): string { return this.node.ip; }
    get wireguardIp(): string { return this.node.wireguardIp; }
    get host(): string { return this.node.host; }
    get domain(): string { return this.node.domain; }

    /** Runs a shell command as the admin user; never throws on a non-zero exit. */
    exec(command: string, input?: string): Promise<Ran> {
        return runOn(this.stack, this.node, this.key, command, input);
    }

    /** Runs a command that must exit 0; resolves with its stdout. */
    async succeed(command: string): Promise<string> {
        const r = await this.exec(command);
        if (r.code !== 0) throw new CommandFailed(this.name, command, r, "succeed");
        return r.stdout;
    }

    /** Runs a command that must fail; resolves with its output. */
    async fail(command: string): Promise<string> {
        const r = await this.exec(command);
        if (r.code === 0) throw new CommandFailed(this.name, command, r, "fail");
        return r.output;
    }

    /** Waits until `command` exits 0 (every 2 s, at most timeoutSeconds); resolves with its stdout. */
    async waitUntilSucceeds(command: string, timeoutSeconds = 120): Promise<string> {
        let last: Ran | undefined;
        const out = await untilDeadline(Date.now() + timeoutSeconds * 1000, 2000, async () => {
            last = await this.exec(command);
            return last.code === 0 ? last.stdout : undefined;
        });
        if (out === undefined) {
            throw new TimedOut(`${this.name}: \`${command}\` did not succeed within ${timeoutSeconds} s`
                + (last ? ` (last exit ${last.code}: ${last.output.trim().split("\n").slice(-5).join(" / ")})` : ""));
        }
        return out;
    }

    /** Waits until `command` fails (a service went away, a peer became unreachable). */
    async waitUntilFails(command: string, timeoutSeconds = 120): Promise<void> {
        const ok = await untilDeadline(Date.now() + timeoutSeconds * 1000, 2000, async () => ((await this.exec(command)).code !== 0 ? true : undefined));
        if (!ok) throw new TimedOut(`${this.name}: \`${command}\` still succeeded after ${timeoutSeconds} s`);
    }

    /** Waits until a systemd unit is active; fails at once if it failed. */
    async waitForUnit(unit: string, timeoutSeconds = 120): Promise<void> {
        const u = shellQuote(unit);
        await this.waitUntilSucceeds(`state=$(systemctl is-active ${u}); [ "$state" = active ] && exit 0; `
            + `[ "$state" = failed ] && { systemctl status --no-pager ${u} | tail -5; exit 0; }; exit 1`, timeoutSeconds);
        await this.succeed(`systemctl is-active --quiet ${u}`);
    }

    /** Copies a local file to a path on the node (written as root, mode 0644 unless given). */
    async copyTo(source: string, destination: string, mode = "0644"): Promise<void> {
        const data = fs.readFileSync(source).toString("base64");
        const r = await this.exec(`base64 -d | sudo install -m ${shellQuote(mode)} /dev/stdin ${shellQuote(destination)}`, data);
        if (r.code !== 0) throw new CommandFailed(this.name, `copy ${source} to ${destination}`, r, "succeed");
    }

    /** Copies a file of the node (read as root) to a local path. */
    async copyFrom(source: string, destination: string): Promise<void> {
        const out = await this.succeed(`sudo base64 -w0 ${shellQuote(source)}`);
        fs.writeFileSync(destination, Buffer.from(out.trim(), "base64"));
    }
}
