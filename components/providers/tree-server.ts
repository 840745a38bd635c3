// TreeServer: the provisioning network's HTTP server (components/exec/tree-server.mjs), a
// process of the user's own on the host running Pulumi (in namespace mode, the lab's
// namespace, where the network's bridge is), bound to the boot server's address alone. It
// lives as long as the resource: created with the network, stopped (its log removed) on
// delete. A refresh finds it gone (the host restarted, the process was killed) or not
// answering, and the next up starts it again. An interrupted up may have started one the
// state does not know: its pid file names it, and the next create stops it first.
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { ArgsOf } from "./args";

export interface TreeServerInputs {
    /** The directory served. */
    root: string;
    address: string;
    port: number;
    /** The server's pid file and its log (one line per request): private, in the lab's state directory. */
    pidFile: string;
    logFile: string;
    /** What the server is bound to: a new network (a new bridge) is a new server. */
    network: string;
}

export type TreeServerArgs = ArgsOf<TreeServerInputs>;

interface TreeServerOutputs extends TreeServerInputs {
    pid: number;
}

/** The server program (one process per server). */
const SERVER = path.join(__dirname, "..", "exec", "tree-server.mjs");

/** Functions the provider carries into its own process (Pulumi serializes them): node's modules are required inside. */
const ops = {
    /** The pid in `pidFile` if that process is this server program, started for that pid file. */
    running(pidFile: string): number | undefined {
        const fs = require("node:fs");
        try {
            const pid = Number(fs.readFileSync(pidFile, "utf8").trim());
            const argv = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
            return argv.includes(SERVER) && argv.includes(pidFile) ? pid : undefined;
        } catch {
            return undefined;
        }
    },
    /** Whether an HTTP server answers at address:port within ms milliseconds. */
    answers(address: string, port: number, ms: number): Promise<boolean> {
        const http = require("node:http");
        return new Promise((resolve) => {
            const req = http.request({ host: address, port, method: "HEAD", path: "/", timeout: ms }, (res: { resume(): void }) => {
                res.resume();
                resolve(true);
            });
            req.on("timeout", () => req.destroy());
            req.on("error", () => resolve(false));
            req.end();
        });
    },
    /** Stops the server `pidFile` names, if it runs, and forgets it. */
    async stop(pidFile: string): Promise<void> {
        const fs = require("node:fs");
        const pid = ops.running(pidFile);
        if (pid !== undefined) {
            process.kill(pid, "SIGTERM");
            for (let i = 0; i < 50 && ops.running(pidFile) !== undefined; i++) await new Promise((r) => setTimeout(r, 100));
            if (ops.running(pidFile) !== undefined) process.kill(pid, "SIGKILL");
        }
        fs.rmSync(pidFile, { force: true });
    },
    async start(inputs: TreeServerInputs): Promise<number> {
        const fs = require("node:fs");
        const { spawn } = require("node:child_process");
        await ops.stop(inputs.pidFile);
        fs.mkdirSync(require("node:path").dirname(inputs.pidFile), { recursive: true, mode: 0o700 });
        const log = fs.openSync(inputs.logFile, "a", 0o600);
        // Its pid file on its command line names it: a pid reused by another process is never taken for it.
        const child = spawn(process.execPath, [SERVER, inputs.root, inputs.address, String(inputs.port), inputs.pidFile],
            { detached: true, stdio: ["ignore", log, log] });
        fs.closeSync(log);
        let exited = false;
        child.on("exit", () => (exited = true));
        child.unref();
        fs.writeFileSync(inputs.pidFile, `${child.pid}\n`, { mode: 0o600 });
        for (let i = 0; i < 100 && !exited; i++) {
            if (await ops.answers(inputs.address, inputs.port, 1000)) return child.pid;
            await new Promise((r) => setTimeout(r, 100));
        }
        await ops.stop(inputs.pidFile);
        const tail = fs.readFileSync(inputs.logFile, "utf8").trim().split("\n").slice(-3).join("\n");
        throw new Error(`the network boot tree's HTTP server did not start on ${inputs.address}:${inputs.port} (${tail}); `
            + `if the port is taken, pulumi config set netbootHttpPort PORT (and make usb NETBOOT_HTTP=:PORT)`);
    },
};

export const treeServerProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: TreeServerInputs) {
        const pid = await ops.start(inputs);
        return { id: `${inputs.address}:${inputs.port}`, outs: { ...inputs, pid } };
    },
    async read(id: string, props: TreeServerOutputs) {
        // Gone, or no longer answering (its address went with a namespace or a network): report
        // it gone, so the next up starts it again; a process left behind is stopped.
        if (ops.running(props.pidFile) !== undefined && (await ops.answers(props.address, props.port, 3000))) return { id, props };
        await ops.stop(props.pidFile);
        return { id: "", props: {} };
    },
    async diff(_id: string, olds: TreeServerInputs, news: TreeServerInputs) {
        const keys = ["root", "address", "port", "pidFile", "logFile", "network"] as const;
        const replaces = keys.filter((k) => olds[k] !== news[k]);
        return { changes: replaces.length > 0, replaces, deleteBeforeReplace: true };
    },
    async delete(_id: string, props: TreeServerOutputs) {
        // Its log goes with it: a destroyed stack leaves nothing behind.
        await ops.stop(props.pidFile);
        require("node:fs").rmSync(props.logFile, { force: true });
    },
};

export class TreeServer extends pulumi.dynamic.Resource {
    declare readonly pid: pulumi.Output<number>;

    constructor(name: string, args: TreeServerArgs, opts?: pulumi.CustomResourceOptions) {
        super(treeServerProvider, name, { ...args, pid: undefined }, opts, "clusteros", "TreeServer");
    }
}
