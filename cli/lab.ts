// lab: everyday cluster control for a ClusterOS Lab stack (status, ssh, exec, logs,
// console, vnc, ssh-config, networks, checkpoints, stop and start, topology, completion, and
// faults for tests: partition, link, delay, clock, disk, corrupt, heal, crash, power-off,
// power-on), and the host-side operations of lab/ it only parses: up, image, recover
// (lab/up.ts, lab/recover.ts), mode, daemon, in-place (lab/mode.ts, lab/daemon.ts), sweep.
// Reads the stack's outputs. Runs from the host shell in either mode: in namespace mode it
// enters the lab namespace to reach nodes (cli/place.ts).
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { newTable } from "./table";
import { Argument, Command } from "commander";
import { readNetworksInUse } from "../components/host-networks";
import { networksJson } from "./networks";
import { freeRanges } from "../components/plan/network-conflicts";
import * as checkpoint from "./checkpoint";
import { completionScript, Shell, SHELLS } from "./completion";
import { jumpClock, parseDomtime, strobeClock, syncGuestTime } from "./clock";
import { applyDiskFault, DISK_FAULTS, DiskFault, healDisk, healedMessage } from "./disk-faults";
import { corruptedMessage, corruptFile } from "./disk-corruption";
import { healRuleset, parseGroup, partitionRuleset, shapeRuleset } from "./faults";
import { describeViews, ShapeOptions, shapeFromOptions } from "./partition-shapes";
import { loadRuleset, nftNeedsRoot } from "./nft";
import { delayNode, undelayNode } from "./nic-delay";
import { degradedMessage, degradeLinks } from "./link-fault";
import { unrelayNode } from "./link-relay";
import { serialLogProblem } from "./logs";
import { labNetns } from "./place";
import { PROJECT_ROOT } from "../components/plan/paths";
import { daemonCommand } from "../lab/daemon";
import { secondHostCommand } from "../lab/second-host";
import { LabError } from "../lab/errors";
import { labMode, runInPlace } from "../lab/mode";
import { rekey } from "../lab/rekey";
import { sweepLeftovers } from "../lab/sweep";
import { usb } from "../lab/usb";
import { startAll, stopAll } from "./power";
import { forgetConnections, interactive, keyFile, runOn, sshConfig, writeSshKey } from "./ssh";
import { CliError, hostOf, loadStack, nodeByNumber, resolveStack, StackInfo } from "./stack";
import { status } from "./status";
import { topologyDot, topologySvg } from "./topology";
import { must, onEveryNode, virshFor } from "./virsh";
import { shellQuote } from "../components/exec/spawn";
import { forwardVnc, vncPort } from "./vnc";

async function execOn(info: StackInfo, which: string, command: string): Promise<number> {
    const { file, cleanup } = keyFile(info);
    try {
        const nodes = which === "all" ? info.nodes : [nodeByNumber(info, which)];
        const results = await Promise.all(nodes.map((n) => runOn(info, n, file, command)));
        let worst = 0;
        results.forEach((r, i) => {
            const prefix = which === "all" ? `${nodes[i].name}: ` : "";
            for (const line of (r.stdout + r.stderr).split("\n").filter((l) => l !== "")) console.log(prefix + line);
            worst = Math.max(worst, r.code);
        });
        return worst;
    } finally {
        cleanup();
    }
}

/** A user who is not root is told, before anything, that nftables faults need root. */
function nftAsRoot(): void {
    const why = nftNeedsRoot();
    if (why) throw new CliError(why);
}

/** Loads an nftables ruleset where the daemon runs, then says what it did. */
async function applyNft(ruleset: string, done: () => string): Promise<number> {
    await loadRuleset(ruleset);
    console.log(done());
    return 0;
}

/** A plan's refusal (an unknown node, a node on both sides, a loss out of range) is the user's to fix. */
function asCliError<T>(f: () => T): T {
    try {
        return f();
    } catch (e) {
        throw new CliError((e as Error).message);
    }
}

function wholeSeconds(value: string): number {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new CliError(`--wait takes whole seconds, not '${value}'`);
    return n;
}

/**
 * `lab recover`, `lab up`, `lab image` act on a stack by name: the one given, else the selected one. They import lab/recover.ts and
 * lab/up.ts when they run: those load Pulumi's Automation API, which costs every other command
 * about a second of startup.
 */
async function withStackName(name: string | undefined, run: (name: string) => Promise<number>): Promise<number> {
    return run(resolveStack(name));
}

/** The lab command tree; `result` is the exit code's promise of the action that ran. */
export function labProgram(): { program: Command; result: () => Promise<number> } {
    const program = new Command("lab").option("-s, --stack <name>", "Pulumi stack", process.env.STACK)
        .description("control a ClusterOS Lab cluster");
    const stack = () => loadStack(program.opts().stack);
    let result: Promise<number> = Promise.resolve(0);
    program.command("status").description("a row per node and its libvirt host; exit code 1 when any node is unhealthy or its host does not answer")
        .option("-w, --wait <seconds>", "probe again until every node is healthy or this time has passed", "0")
        .option("--json", "the rows as JSON (stack, healthy, nodes) instead of a table")
        .action((o: { wait: string; json?: boolean }) => { result = status(stack(), wholeSeconds(o.wait), undefined, Boolean(o.json)); });
    program.command("ssh <n>").description("a shell on node n")
        .action((n: string) => {
            const info = stack();
            const { file, cleanup } = keyFile(info);
            try { result = Promise.resolve(interactive(info, nodeByNumber(info, n), file)); } finally { cleanup(); }
        });
    program.command("exec <n> <command...>").description("run a command on node n, or on all nodes (n = all)")
        .action((n: string, command: string[]) => { result = execOn(stack(), n, command.join(" ")); });
    program.command("logs <n>").description("the serial console log of node n").option("-f, --follow", "keep following")
        .action((n: string, o: { follow?: boolean }) => {
            const info = stack();
            const node = nodeByNumber(info, n);
            // Followed, a log not written yet is waited for (tail -F).
            const unreadable = serialLogProblem(node.serialLog, `scripts/lab.sh --stack ${info.stack}`, n);
            if (unreadable && !(o.follow && !fs.existsSync(node.serialLog))) throw new CliError(unreadable);
            const r = spawnSync("tail", [...(o.follow ? ["-F"] : []), "-n", "+1", node.serialLog], { stdio: "inherit" });
            result = Promise.resolve(r.status ?? 1);
        });
    program.command("console <n>").description("the serial console of node n (virsh console; Ctrl-] leaves)")
        .action((n: string) => {
            const info = stack();
            const node = nodeByNumber(info, n);
            const r = spawnSync("virsh", ["-c", hostOf(info, node).libvirtUri, "console", node.domain], { stdio: "inherit" });
            result = Promise.resolve(r.status ?? 1);
        });
    program.command("vnc <n>")
        .description("node n's VNC display on this host's 127.0.0.1 (namespace mode: forwarded until Ctrl-C)")
        .action((n: string) => {
            const info = stack();
            const node = nodeByNumber(info, n);
            const r = virshFor(info, node)("vncdisplay", node.domain);
            if (!r.ok) throw new CliError(`node ${n} has no VNC display (is it running?)`);
            const target = vncPort(r.out);
            const netns = labNetns();
            if (!netns) {
                console.log(`vnc://127.0.0.1:${target}`);
                return;
            }
            result = forwardVnc(netns, target).then(({ port }) => {
                console.log(`vnc://127.0.0.1:${port} (forwarded into namespace ${netns}; Ctrl-C stops it)`);
                return new Promise<number>((resolve) => {
                    process.once("SIGINT", () => resolve(0));
                    process.once("SIGTERM", () => resolve(0));
                });
            });
        });
    const checkpoints = program.command("checkpoint")
        .description("the whole cluster saved and restored at one moment (memory and disks of every node)");
    checkpoints.command("save <name>").description("pause every node, snapshot each, resume them")
        .option("--replace", "replace a checkpoint of that name")
        .action((name: string, o: { replace?: boolean }) => { result = Promise.resolve(checkpoint.save(stack(), name, !!o.replace)); });
    checkpoints.command("restore <name>")
        .description("every node back to the checkpoint, clocks set, then wait until the cluster is healthy")
        .option("-w, --wait <seconds>", "how long to wait for a healthy cluster afterwards", "120")
        .action((name: string, o: { wait: string }) => {
            const [info, wait] = [stack(), wholeSeconds(o.wait)];
            result = checkpoint.restore(info, name).then(async ({ started }) => {
                const code = await status(info, wait);
                if (code === 0) console.log(`healthy ${checkpoint.secondsSince(started)} s after the restore began`);
                return code;
            });
        });
    checkpoints.command("list").description("the stack's checkpoints and the disk they use")
        .option("--json", "the checkpoints and the disk they use as JSON instead of a table")
        .action((o: { json?: boolean }) => { result = Promise.resolve(checkpoint.list(stack(), !!o.json)); });
    checkpoints.command("rm <name>").description("remove a checkpoint from every node")
        .action((name: string) => { result = Promise.resolve(checkpoint.remove(stack(), name)); });
    program.command("recover")
        .description("clear what an interrupted pulumi up left (a dead run's lock, objects it never recorded, pending operations); make up runs it first")
        .action(() => {
            result = withStackName(program.opts().stack, async (name) => { await (await import("../lab/recover")).recoverNamed(name); return 0; });
        });
    program.command("up")
        .description("what make up does: the image's inputs, the daemon, recovery, pulumi up --refresh where the nodes are, then wait until every node is healthy")
        .option("-w, --wait <seconds>", "how long to wait for health", process.env.CLUSTEROS_LAB_READY_SECONDS ?? "600")
        .action((o: { wait: string }) => {
            result = withStackName(program.opts().stack, async (name) => (await import("../lab/up")).up(name, wholeSeconds(o.wait),
                (stack, seconds) => status(loadStack(stack), seconds)));
        });
    program.command("image")
        .description("what make image does: build or find the stack's node image (Packer) and print its path and hash; creates no node")
        .action(() => {
            result = withStackName(program.opts().stack, async (name) => (await import("../lab/up")).image(name));
        });
    program.command("usb")
        .description("what make usb does: the stack's image as release artifacts in DIR (default ./dist): the raw image, the hybrid BIOS/UEFI "
            + "installer ISO, SHA256SUMS and the network boot tree netboot/ (a stack's netbootTree by default)")
        .option("-d, --dist <dir>", "where the artifacts go", process.env.DIST_DIR ?? "dist")
        .option("--seed <dir>", "a NoCloud seed for every machine, on the medium and in netboot/")
        .option("--seeds <dir>", "a NoCloud seed per machine, each in a directory named by a MAC address, uuid-<UUID> or serial-<serial>")
        .option("--config <file>", "install.conf for the installer (target=, overwrite=, after=, on_error=, mode=)")
        .option("--netboot-http <server>", "netboot/ fetches over HTTP from HOST, HOST:PORT or :PORT (the boot server itself, e.g. :8080 for a "
            + "stack's provisioning network), not TFTP")
        .action((o: { dist: string; seed?: string; seeds?: string; config?: string; netbootHttp?: string }) => {
            result = withStackName(program.opts().stack, async (name) => usb(name, o));
        });
    program.command("setup").description("from a repository that installed the lab as a package: the Pulumi CLI, the libvirt provider, "
        + "host packages and the state passphrase (run as root for the packages: sudo npx lab setup; the rest is the user's)")
        .action(() => { result = Promise.resolve(spawnSync(path.join(PROJECT_ROOT, "scripts", "setup.sh"), ["--package"], { stdio: "inherit" }).status ?? 1); });
    program.command("env").description("the environment the lab's tools need (Pulumi CLI on PATH, its state and passphrase), "
        + "as shell exports: eval \"$(npx lab env)\" before pulumi stack init, pulumi config set, ...")
        .action(() => {
            const common = path.join(PROJECT_ROOT, "scripts", "lib", "common.sh");
            result = Promise.resolve(spawnSync("bash", ["-c", '. "$0" && lab_env_exports', common], { stdio: "inherit" }).status ?? 1);
        });
    program.command("mode").description("where the lab runs on this machine (host or namespace mode), and why")
        .action(() => { console.log(labMode().why); });
    program.command("daemon <action> [netns]")
        .description("the libvirt daemon: ensure (what make up checks: in namespace mode the lab's own is started if needed), or start, stop, status of the lab's own in namespace NETNS")
        .action((action: string, netns?: string) => { result = Promise.resolve(daemonCommand(action, netns)); });
    program.command("second-host <action>")
        .description("a simulated second libvirt host on this machine, for tests of stacks on two hosts (lab/second-host.ts says what it does not cover): "
            + "start (prints its facts as shell assignments), stop (removes it), daemon-stop and daemon-start (its libvirtd alone)")
        .requiredOption("--dir <dir>", "its directories and state")
        .option("--netns <name>", "start: its network namespace")
        .option("--first-netns <name>", "start: the first host's network namespace (default: this one)", "")
        .option("--lan <cidr>", "start: the LAN between the hosts, a /24 (.1 the first host, .2 the second)")
        .action((action: string, o: { dir: string; netns?: string; firstNetns?: string; lan?: string }) => {
            result = Promise.resolve(secondHostCommand(action, o));
        });
    program.command("in-place <command...>")
        .description("run a command where this machine's nodes are reachable (inside the lab namespace in namespace mode): lab in-place -- CMD ARGS...")
        .action((command: string[]) => { result = Promise.resolve(runInPlace(command)); });
    program.command("rekey <stack>")
        .description("encrypt the stack's secrets (state and secure settings) with the current passphrase instead of the old one, "
            + "read from standard input (setup runs it for stacks on the passphrase earlier versions published); its libvirt objects are not touched")
        .action((name: string) => {
            const old = fs.readFileSync(0, "utf8").split("\n")[0];
            if (!old) throw new CliError("lab rekey reads the stack's old passphrase from standard input: none was given");
            rekey(name, old);
        });
    program.command("sweep")
        .description("remove what killed test runs of this project left (their stacks, daemons, namespaces, users, scratch and libvirt records), only once their process is gone; make test runs it first")
        .action(() => { sweepLeftovers(); });
    program.command("networks").description("IPv4 ranges in use on the libvirt daemon and where nodes live")
        .option("-c, --uri <uri>", "libvirt URI", process.env.LIBVIRT_DEFAULT_URI ?? "qemu:///system")
        .option("--free <count>", "print only this many free /24 ranges, one per line (for new stacks)")
        .option("--json", "the ranges in use as JSON ({ range, heldBy } each) instead of a table")
        .action((o: { uri: string; free?: string; json?: boolean }) => {
            const inUse = readNetworksInUse(o.uri, labNetns());
            if (typeof inUse === "string") throw new CliError(`libvirt does not answer at ${o.uri}: ${inUse}`);
            if (o.free !== undefined) {
                for (const c of freeRanges(inUse.map((n) => n.cidr), Number(o.free))) console.log(c);
                return;
            }
            if (o.json) {
                console.log(networksJson(inUse));
                return;
            }
            const table = newTable(["range", "held by"]);
            for (const n of inUse) table.push([n.cidr, n.owner]);
            console.log(table.toString());
        });
    program.command("partition [from] [to]")
        .description("cut nodes <from> off from nodes <to> (comma-separated numbers, e.g. 3 1,2) on the lab network and the mesh; "
            + "or a standard shape of the whole cluster: --isolate, --minority, --ring")
        .option("--one-way", "drop only what <from> sends to <to>")
        .option("--isolate <n>", "node n alone, the rest together")
        .option("--minority", "a random minority cut off from the majority (--seed picks the same one again)")
        .option("--seed <n>", "the --minority to cut (the command prints the seed it used)")
        .option("--ring", "every node sees a majority (its nearest neighbours on a ring), no two the same majority; 4 nodes or more")
        .action((from: string | undefined, to: string | undefined, o: ShapeOptions) => {
            nftAsRoot(); // before anything else: no use checking nodes a user cannot cut
            const shape = asCliError(() => shapeFromOptions(o, [from, to].filter((g) => g !== undefined).length,
                () => Math.floor(Math.random() * 1_000_000)));
            const info = stack();
            if (shape) {
                const { ruleset, views } = asCliError(() => shapeRuleset(info.stack, shape, info.nodes));
                const seed = shape.kind === "minority" ? ` (seed ${shape.seed})` : "";
                result = applyNft(ruleset, () => `partitioned, ${shape.kind}${seed}: ${describeViews(views)}`);
                return;
            }
            const [a, b] = [from!, to!].map((g) => asCliError(() => parseGroup(g, info.nodes)));
            const ruleset = asCliError(() => partitionRuleset(info.stack, a, b, !!o.oneWay));
            result = applyNft(ruleset, () =>
                `partitioned ${a.map((n) => n.name).join(",")} ${o.oneWay ? "->" : "<->"} ${b.map((n) => n.name).join(",")}`);
        });
    program.command("link <from> <to>")
        .description("degrade the links between nodes <from> and <to> (comma-separated numbers) from outside the guests: loss and a rate on the bridge; "
            + "delay, jitter, duplication, reordering and corruption by a frame relay in the sending nodes' QEMU")
        .option("--loss <percent>", "drop this percent of frames at random (1-99)")
        .option("--rate <kBps>", "drop frames beyond this many kilobytes per second")
        .option("--delay <ms>", "hold each frame this long")
        .option("--jitter <ms>", "vary each delay by up to this much, either way (frames overtake each other)")
        .option("--duplicate <percent>", "send this percent of frames twice")
        .option("--reorder <percent>", "send this percent of frames at once while the others wait out the delay")
        .option("--corrupt <percent>", "flip one bit in this percent of frames")
        .option("--one-way", "only what <from> sends to <to>")
        .action((from: string, to: string, o: Record<string, string | boolean | undefined>) => {
            nftAsRoot(); // before anything else: no use checking nodes a user cannot cut
            const info = stack();
            const [a, b] = [from, to].map((g) => asCliError(() => parseGroup(g, info.nodes)));
            const num = (key: string) => (o[key] === undefined ? undefined : Number(o[key]));
            const fault = { lossPct: num("loss"), rateKBps: num("rate"), delayMs: num("delay"), jitterMs: num("jitter"),
                duplicatePct: num("duplicate"), reorderPct: num("reorder"), corruptPct: num("corrupt") };
            result = degradeLinks(info, a, b, fault, !!o.oneWay).then(() => { console.log(degradedMessage(a, b, fault, !!o.oneWay)); return 0; });
        });
    program.command("clock <n> [offset]")
        .description("move node n's clock by offset seconds (+3600, -120), from the host; --strobe moves it back and forth; --reset sets it right")
        .option("--strobe <delta>", "every --period seconds, set it delta seconds ahead, then right again, for --for seconds")
        .option("--period <seconds>", "the strobe's period", "2")
        .option("--for <seconds>", "how long the strobe lasts", "30")
        .option("--reset", "set the clock right (the host's time)")
        .action((n: string, offset: string | undefined, o: { strobe?: string; period: string; for: string; reset?: boolean }) => {
            const info = stack();
            const node = nodeByNumber(info, n);
            const virsh = virshFor(info, node);
            if (o.reset) {
                syncGuestTime(virsh, node.domain);
                console.log(`${node.name}'s clock is right`);
                result = Promise.resolve(0);
            } else if (o.strobe !== undefined) {
                result = strobeClock(virsh, node.domain, Number(o.strobe), Number(o.period), Number(o.for))
                    .then(() => { console.log(`${node.name}'s clock strobed, and right again`); return 0; }, (e) => { throw new CliError((e as Error).message); });
            } else {
                if (offset === undefined) throw new CliError("lab clock needs an offset in seconds (+3600, -120), --strobe <delta> or --reset");
                const to = asCliError(() => jumpClock(virsh, node.domain, Number(offset)));
                console.log(`${node.name}'s clock moved by ${offset} s, to ${new Date(to * 1000).toISOString()}`);
                result = Promise.resolve(0);
            }
        });
    program.command("delay <n> <ms>")
        .description("hold every frame node n sends for up to ms milliseconds, from the hypervisor (QEMU's filter-buffer on its NIC): a delay with jitter on all its traffic; heal removes it")
        .action((n: string, ms: string) => {
            const info = stack();
            const node = nodeByNumber(info, n);
            asCliError(() => delayNode(virshFor(info, node), node.domain, Number(ms)));
            console.log(`${node.name}'s frames held up to ${ms} ms, until lab heal`);
            result = Promise.resolve(0);
        });
    program.command("disk <n>")
        .description("a fault under node n's root disk, from the host (QEMU's block layer): full (its file may not grow: QEMU pauses the node, as on a full datastore), fail-reads, fail-writes or fail (I/O errors); heal takes it away")
        .addArgument(new Argument("<fault>").choices([...DISK_FAULTS, "heal"]))
        .option("--for <seconds>", "heal it again after this long")
        .action((n: string, fault: DiskFault | "heal", o: { for?: string }) => {
            const info = stack();
            const node = nodeByNumber(info, n);
            const virsh = virshFor(info, node);
            const heal = () => console.log(healedMessage(node.name, asCliError(() => healDisk(virsh, node.domain))) ?? `${node.name}'s disk had no fault`);
            if (fault === "heal") { heal(); result = Promise.resolve(0); return; }
            asCliError(() => applyDiskFault(virsh, node.domain, fault));
            console.log(`${node.name}'s disk: ${fault}${o.for ? ` for ${o.for} s` : " until lab disk " + n + " heal or lab heal"}`);
            result = o.for === undefined ? Promise.resolve(0)
                : new Promise((done) => setTimeout(done, wholeSeconds(o.for!) * 1000)).then(() => { heal(); return 0; });
        });
    program.command("corrupt <n> <file>")
        .description("silent corruption from the host: the first bytes of a file on node n's disk overwritten in QEMU's block layer, under the guest (it reads them once its cache drops the file); a checkpoint restore takes them back")
        .option("--bytes <count>", "how many bytes", "4096")
        .action((n: string, file: string, o: { bytes: string }) => {
            const info = stack();
            const node = nodeByNumber(info, n);
            const { file: key, cleanup } = keyFile(info);
            result = corruptFile(virshFor(info, node), node.domain, file, Number(o.bytes),
                (script, target) => runOn(info, node, key, `bash -s -- ${shellQuote(target)}`, script))
                .then((c) => { console.log(corruptedMessage(node.name, c)); return 0; })
                .finally(cleanup);
        });
    program.command("heal").description("undo the stack's network faults (partition, degraded links, delays), take disk faults away, resume paused nodes, set every clock right")
        .action(() => {
            const info = stack();
            // A user who is not root cannot have made nftables faults, nor undo root's: said, and the rest healed.
            const needsRoot = nftNeedsRoot();
            if (needsRoot) console.error(`network faults (partitions, degraded links), if any, are left as they are: ${needsRoot}`);
            const nft = needsRoot ? Promise.resolve(0) : applyNft(healRuleset(info.stack), () => "no partition, no degraded link");
            result = nft.then(async (code) => {
                for (const node of info.nodes) {
                    try {
                        const virsh = virshFor(info, node);
                        const said = healedMessage(node.name, healDisk(virsh, node.domain));
                        if (said) console.log(said);
                        if (undelayNode(virsh, node.domain) > 0) console.log(`${node.name}'s frames go without delay again`);
                        if (unrelayNode(virsh, node.domain)) console.log(`${node.name}'s frames go straight again (no relay)`);
                    } catch (e) { console.error(`${node.name}: ${(e as Error).message}`); code = 1; }
                }
                for (const r of await onEveryNode(info, (d) => ["domstate", d])) {
                    if (r.ok && r.out.trim() === "paused") must(virshFor(info, info.nodes.find((x) => x.domain === r.domain)!), `resume ${r.domain}`, "resume", r.domain);
                }
                // A clock more than 10 s off was moved (lab clock, a long pause): set right, and
                // its handshake times left with the peers call for fresh sessions.
                const clocks = await onEveryNode(info, (d) => ["domtime", d]);
                const moved = clocks.filter((r) => r.ok && Math.abs(parseDomtime(r.out) - Date.now() / 1000) > 10);
                for (const r of await onEveryNode(info, (d) => ["domtime", d, "--now"])) {
                    if (!r.ok) console.error(`${r.domain}: its clock could not be set (${r.err.trim()}): a stopped node's is set when it starts`);
                }
                if (moved.length > 0) {
                    await checkpoint.renewWireGuard(info, { afterClockFault: true });
                    console.log(`clocks set right (${moved.map((r) => r.domain).join(", ")} had moved), WireGuard sessions renewed`);
                }
                console.log("every node runs, every clock is right");
                return code;
            });
        });
    for (const [name, verb, what, done] of [["crash", "destroy", "power node n off at once, as a pulled plug", "lost power"],
        ["power-off", "shutdown", "shut node n down cleanly (ACPI)", "is shutting down"],
        ["power-on", "start", "start node n", "is starting"],
        ["pause", "suspend", "freeze node n's vCPUs (its clock and its peers see the gap); resume or heal lets it run", "is paused"],
        ["resume", "resume", "let a paused node n run again", "runs again"]] as const) {
        program.command(`${name} <n>`).description(what).action((n: string) => {
            const info = stack();
            const node = nodeByNumber(info, n);
            if (verb !== "resume") forgetConnections(info.stack);
            must(virshFor(info, node), `${name} node ${n}`, verb, node.domain);
            console.log(`${node.name} ${done}`);
            result = Promise.resolve(0);
        });
    }
    program.command("stop").description("halt every node cleanly (ACPI), keeping its disk; start (or make up) starts them again")
        .option("-w, --wait <seconds>", "how long to wait for every node to halt", "180")
        .action((o: { wait: string }) => { result = stopAll(stack(), wholeSeconds(o.wait)); });
    program.command("start").description("start every stopped node, then wait until the cluster is healthy")
        .option("-w, --wait <seconds>", "how long to wait for a healthy cluster afterwards", "600")
        .action((o: { wait: string }) => {
            const [info, wait] = [stack(), wholeSeconds(o.wait)];
            startAll(info);
            result = status(info, wait);
        });
    program.command("topology").description("the stack drawn as SVG: hosts, networks, nodes with roles and addresses, the WireGuard mesh")
        .option("--dot", "the Graphviz source instead of the SVG")
        .action((o: { dot?: boolean }) => {
            const info = stack();
            process.stdout.write(o.dot ? topologyDot(info) : topologySvg(info));
        });
    program.command("ssh-config <file>").description("write an ssh_config for plain `ssh -F <file> cluster-node-N`")
        .action((file: string) => {
            const info = stack();
            const key = writeSshKey(info);
            fs.writeFileSync(file, sshConfig(info, key, file), { mode: 0o600 });
            console.log(`wrote ${file} (its key: ${key})`);
        });
    program.command("completion").description(`a completion script for ${SHELLS.join(" or ")}, to source or to install`)
        .addArgument(new Argument("<shell>").choices(SHELLS))
        .action((shell: Shell) => { process.stdout.write(completionScript(program, shell)); });
    return { program, result: () => result };
}

function main(argv: string[]): Promise<number> {
    const { program, result } = labProgram();
    program.parse(argv);
    return result();
}

if (require.main === module) {
    Promise.resolve()
        .then(() => main(process.argv))
        .then((code) => process.exit(code))
        .catch((e) => {
            console.error(`lab: ${e instanceof CliError || e instanceof LabError ? e.message : e instanceof Error ? e.stack : e}`);
            process.exit(2);
        });
}
