// membership=agent with the reference agent (examples/serf-agent): the stack gives each node
// its identity, the agents form the cluster by gossip. Three nodes up; a machine of the rack
// given a seed (bareMetalNodes) and put to install from the stack's USB stick, which it does
// while node 3 crashes and is powered on again, a fourth node is added by nodeCount alone, and
// the fourth removed (a rack's machines install while its nodes come and go); then the
// installed disk boots and joins as node 5 by its MAC's seed alone; then the stack is
// destroyed. The stack (E2E_AGENT_STACK) is made by tests/e2e/e2e.sh from the ci stack's
// settings. The machine is also the e2e's install from a USB stick through SeaBIOS
// (tests/e2e/installer.test.ts installs from one through OVMF).
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../components/plan/paths";
import { LabCluster } from "../../testing/lab-cluster";
import { e2e, eventually, expectChanges, expectOk, inHost, lastUpdateChanges, pulumi, run, script, configSet, stackObjects, statusRows, virsh, workFile } from "./context";
import { bootOnNetwork, install, Installed, killAll, Machine, serialOf, unplug } from "./metal";

const stack = process.env.E2E_AGENT_STACK ?? "";
const SERF = "sudo /var/lib/clusteros-serf-agent/serf";
/**
 * The stack through the test API, in this process: the waits below poll the nodes every few
 * seconds, and a CLI started per poll (lab exec, lab status) took a second or more of CPU
 * each from the nodes it waited for. Attached again after each make up (its nodes change);
 * detach() lets go of one (destroy() of an attached cluster heals what it broke, nothing here,
 * and removes its key).
 */
let attached: LabCluster | undefined;
const cluster = () => (attached ??= LabCluster.attach(stack));
const detach = async () => { const c = attached; attached = undefined; await c?.destroy(); };
const onNode = (n: number, cmd: string) => cluster().node(n).exec(cmd);
const rowsOf = () => cluster().status();
// waitSeconds: how long make up waits for health after the update (its default is 600 s).
const up = async (log: string, waitSeconds?: number) => {
    await detach();
    return run(inHost([script("up.sh"), stack]), { log, ...(waitSeconds ? { env: { CLUSTEROS_LAB_READY_SECONDS: String(waitSeconds) } } : {}) });
};
/** The installed machine's NIC (bareMetalNodes: node 5). */
const METAL_MAC = "52:54:00:c1:a5:05";
const names = (count: number) => Array.from({ length: count }, (_, i) => `cluster-node-${i + 1}`);

/** serf's members on node n: name -> status. */
async function members(n: number): Promise<Map<string, string>> {
    const r = await onNode(n, `${SERF} members`);
    expectOk(r, `serf members on node ${n}`);
    return new Map(r.stdout.trim().split("\n").map((l) => l.trim().split(/\s+/)).map(([name, , status]) => [name, status]));
}


/** What a failed wait shows: lab status's rows, and serf's and SLURM's view from node 1. */
async function view(): Promise<string> {
    const rows = await statusRows(stack).catch(() => []);
    const serf = await onNode(1, `${SERF} members; sinfo -N -o '%N %t %E'`);
    return `lab status:\n${rows.map((r) => JSON.stringify(r)).join("\n")}\nnode 1:\n${serf.output}`;
}
/** eventually(...), failing with the cluster's view. */
async function expectEventually(seconds: number, check: () => Promise<boolean>, what: string, everyMs?: number): Promise<void> {
    const ok = await eventually(seconds, check, everyMs);
    expect(ok, ok ? what : `${what}\n${await view()}`).toBe(true);
}

/** srun over `count` nodes: each node's hostname once. */
async function srun(count: number): Promise<string[]> {
    const r = await onNode(1, `srun -N${count} hostname`);
    expectOk(r, `srun -N${count}`);
    return r.stdout.trim().split("\n").map((l) => l.trim()).sort();
}

describe.runIf(stack)("membership=agent: the reference agent forms the cluster", () => {
    it("make up brings up 3 nodes with no membership step and no WireGuard key made by the stack; every agent reports ready", async () => {
        const r = await up("agent-up.log");
        expectOk(r, "make up (membership=agent)");
        for (const n of names(3)) expect(r.output).toContain(`[${n}] node agent ready`);
        expect(r.output).not.toMatch(/-membership |WireGuardMesh/);
    }, 1_800_000);

    it("serf members lists three alive members on every node", async () => {
        for (const n of [1, 2, 3]) {
            expect(Object.fromEntries(await members(n)), `node ${n}'s view`).toEqual(Object.fromEntries(names(3).map((m) => [m, "alive"])));
        }
    }, 300_000);

    it("WireGuard has a handshake between every pair, with the keys the agents made", async () => {
        for (const n of [1, 2, 3]) {
            for (const peer of [1, 2, 3].filter((p) => p !== n)) {
                expectOk(await onNode(n, `ping -c 1 -W 10 cluster-node-${peer}-wg`), `ping from node ${n} to node ${peer} over wg0`);
            }
            const hs = await onNode(n, "sudo wg show wg0 latest-handshakes");
            const ages = hs.stdout.trim().split("\n").map((l) => Number(l.trim().split(/\s+/)[1]));
            expect(ages, `node ${n}'s handshakes:\n${hs.stdout}`).toHaveLength(2);
            expect(ages.every((t) => t > 0), `node ${n}'s handshakes:\n${hs.stdout}`).toBe(true);
        }
        const keys = await run(["pulumi", "stack", "output", "--stack", stack, "nodes", "--json"]);
        for (const node of JSON.parse(keys.stdout) as { wireguardPublicKey: string }[]) expect(node.wireguardPublicKey).toBe("");
    }, 300_000);

    it("srun -N3 runs on the three nodes, which SLURM reaches at their mesh addresses", async () => {
        expect(await srun(3)).toEqual(names(3));
        const addr = await onNode(1, "scontrol show node cluster-node-3 | grep -o 'NodeAddr=[0-9.]*'");
        const wireguardCidr = (await pulumi("config", "get", "--stack", stack, "wireguardCidr")).stdout.trim();
        expect(addr.stdout.trim()).toBe(`NodeAddr=${wireguardCidr.replace(/0\/\d+$/, "3")}`);
    }, 300_000);

    it("lab status shows every agent ready with 3 alive members", async () => {
        const rows = await statusRows(stack);
        expect(rows.map((r) => [r.node, r.agent, r.healthy])).toEqual(names(3).map((n) => [n, "ready, 3 alive", true]));
    }, 300_000);

    // A machine of the rack: a plain VM with an empty disk and a NIC on the cluster's network,
    // installed from the stack's USB stick through SeaBIOS. Nothing but its seed (by its MAC)
    // tells it which cluster it joins, and as which node.
    const metal: Machine = { name: "agent-metal", firmware: "bios", medium: "usb", dist: "agent-dist",
        // Reached through the cluster's nodes, never over SSH of its own.
        target: { user: "clusteros", host: "", key: "" }, nic: { mac: METAL_MAC, netboot: { bridge: "", netns: e2e.hostns, mtu: 1500 } } };
    let installed: Installed | undefined;
    /** The install, started once the stick is made, awaited after the nodes' tests below. */
    let installing: Promise<Installed> | undefined;
    afterAll(async () => {
        await detach();
        await killAll();
        if (metal.nic!.netboot.bridge) await unplug(metal);
    });

    it("bareMetalNodes gives the machine's seed to the stack's secret output bareMetalSeeds, and changes no resource", async () => {
        expectOk(await pulumi("config", "set", "--stack", stack, "--path", `bareMetalNodes.${METAL_MAC}`, "5"), "pulumi config set bareMetalNodes");
        expectOk(await up("agent-metal-up.log", 300), "make up (bareMetalNodes)");
        const changes = await lastUpdateChanges(stack);
        expect(Object.keys(changes).filter((k) => k !== "same"), JSON.stringify(changes)).toEqual([]);
        const shown = await pulumi("stack", "output", "--stack", stack, "bareMetalSeeds");
        expect(shown.stdout.trim()).toBe("[secret]");
    }, 900_000);

    it("make usb puts the seed on the stick, by the machine's MAC", async () => {
        // The installer test's install.conf: a failed install powers off instead of waiting at a shell.
        const r = await run([script("lab.sh"), "--stack", stack, "usb", "--dist", workFile("agent-dist"),
            "--config", path.join(PROJECT_ROOT, "tests", "e2e", "fixtures", "metal", "install.conf")], { log: "agent-usb.log" });
        expectOk(r, "make usb (the agent stack)");
        expect(r.output).toContain(`seeds from the stack (bareMetalNodes) for 1 machine(s): ${METAL_MAC}`);
        expect(r.output).toContain("seeds for 1 machines, by machine ID");
        // The machine installs from now on, beside the next tests' nodes.
        const bridge = /Bridge:\s+(\S+)/.exec((await virsh("net-info", (await pulumi("stack", "output", "--stack", stack, "network")).stdout.trim())).stdout)?.[1];
        expect(bridge, "the agent stack's network has a bridge").toBeTruthy();
        metal.nic!.netboot.bridge = bridge!;
        installing = install(metal, 1500).catch((e: unknown) => ({ off: false, seconds: 0, serial: `the install did not run: ${e}` }));
    }, 900_000);

    // Node 3 crashes and is powered on again while the fourth node is added: its reboot and
    // the fourth's first boot run side by side, as they could on a rack.
    it("a crashed node is reported failed by serf and by lab status", async () => {
        expectOk(await run(inHost([script("lab.sh"), "--stack", stack, "crash", "3"])), "lab crash 3");
        await expectEventually(180, async () => (await members(1)).get("cluster-node-3") === "failed",
            "serf on node 1 reports cluster-node-3 failed");
        await expectEventually(60, async () => {
            const rows = await rowsOf();
            return rows[2].domain === "shut off" && rows[0].agent.includes("1 failed (cluster-node-3)") && !rows[0].healthy;
        }, "lab status: node 3 shut off, node 1's agent sees it failed");
        expectOk(await run(inHost([script("lab.sh"), "--stack", stack, "power-on", "3"])), "lab power-on 3");
    }, 600_000);

    it("a fourth node added with nodeCount joins by gossip alone (the update only creates) and srun -N4 runs", async () => {
        await configSet(stack, "nodeCount", "4");
        const r = await up("agent-scale-out.log");
        expectOk(r, "make up (4 nodes)");
        expectChanges(await lastUpdateChanges(stack), "create");
        await expectEventually(240, async () => [...(await members(1)).values()].filter((s) => s === "alive").length === 4,
            "node 1 sees 4 alive members");
        await expectEventually(240, async () => (await onNode(1, "srun -N4 hostname")).code === 0, "srun -N4 runs", 5_000);
        expect(await srun(4)).toEqual(names(4));
    }, 1_800_000);

    it("the crashed node rejoined when powered on: all 4 healthy, every agent seeing 4 alive", async () => {
        await expectEventually(400, async () => (await rowsOf()).every((r) => r.healthy && r.agent === "ready, 4 alive"),
            "all 4 healthy, every agent seeing 4 alive", 5_000);
        expect(Object.fromEntries(await members(3)), "node 3's own view").toEqual(Object.fromEntries(names(4).map((m) => [m, "alive"])));
    }, 900_000);

    it("nodeCount back to 3 removes the fourth, which leaves the cluster (serf: left), and srun -N3 runs", async () => {
        await configSet(stack, "nodeCount", "3");
        // Healthy within 5 minutes or not at all: node 4 gone, nothing is left to start.
        const r = await up("agent-scale-in.log", 300);
        expectOk(r, "make up (3 nodes)");
        expect(r.output).toContain("[cluster-node-4] stopping the node agent");
        expectChanges(await lastUpdateChanges(stack), "delete");
        await expectEventually(60, async () => (await members(1)).get("cluster-node-4") === "left", "serf on node 1: cluster-node-4 left");
        await expectEventually(240, async () => (await rowsOf()).every((row) => row.healthy && row.agent === "ready, 3 alive"),
            "3 healthy nodes, every agent seeing 3 alive", 5_000);
        expect(await srun(3)).toEqual(names(3));
    }, 1_200_000);

    it("the machine installed from the stick (SeaBIOS) onto its empty disk, never the stick, with its MAC's seed, and powered off", async () => {
        expect(installing, "the install was started with the stick (see make usb above)").toBeDefined();
        installed = await installing!;
        expect(installed.off, `the install powered off within 1500 s\n${installed.serial.slice(-3000)}`).toBe(true);
        expect(installed.serial).toMatch(/medium: \/dev\/sda\d* on disk \/dev\/sda,/);
        for (const line of ["target rules 'virtio,smallest' chose /dev/vda", "target: /dev/vda", "installed ClusterOS on /dev/vda",
            `NoCloud seed added from seeds/${METAL_MAC.replaceAll(":", "-")}`]) expect(installed.serial).toContain(line);
        console.log(`agent-metal: installed (USB, BIOS) in ${installed.seconds} s, beside the nodes' tests`);
    }, 1_600_000);

    it("its disk boots alone on the cluster's network: its agent joins (serf: cluster-node-5 alive on every node) and srun -N4 runs on it", async () => {
        expect(installed?.off, "installed").toBe(true);
        const vm = await bootOnNetwork(metal);
        await expectEventually(900, async () => (await members(1)).get("cluster-node-5") === "alive",
            `serf on node 1 sees cluster-node-5 alive\n${serialOf(vm).slice(-2000)}`, 10_000);
        for (const n of [1, 2, 3]) expect((await members(n)).get("cluster-node-5"), `node ${n}'s view`).toBe("alive");
        await expectEventually(300, async () => (await onNode(1, "srun -N4 hostname")).code === 0, "srun -N4 runs", 5_000);
        expect(await srun(4)).toEqual([...names(3), "cluster-node-5"]);
        const addr = await onNode(1, "scontrol show node cluster-node-5 | grep -o 'NodeAddr=[0-9.]*'");
        const wireguardCidr = (await pulumi("config", "get", "--stack", stack, "wireguardCidr")).stdout.trim();
        expect(addr.stdout.trim()).toBe(`NodeAddr=${wireguardCidr.replace(/0\/\d+$/, "5")}`);
        await killAll();
        await unplug(metal);
        metal.nic!.netboot.bridge = "";
    }, 1_500_000);

    it("pulumi destroy leaves nothing of the stack on the daemon", async () => {
        expectOk(await run(inHost(["pulumi", "destroy", "--stack", stack, "--yes", "--skip-preview"]), { log: "agent-destroy.log" }), "pulumi destroy");
        expect(await stackObjects(stack)).toEqual([]);
    }, 900_000);
});
