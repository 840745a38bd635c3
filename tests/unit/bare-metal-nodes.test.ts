// bareMetalNodes: installed machines that join an agent-formed cluster. The key is checked
// against the stack before anything is made, and each machine's seed gives it the identity a
// VM of its number would have, on its own MAC; make usb lays the seeds out by MAC.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { planCluster, PlanFiles } from "../../components/plan/cluster-plan";
import { nodeMac } from "../../components/plan/names";
import { seedsTree, StackSeed } from "../../lab/release/seeds";
import { config, problemsOf } from "./helpers";

const files: PlanFiles = { read: (p) => Buffer.from(`content of ${p}`), cacheDir: "/cache" };
const agent = { nodeCount: 3, kubernetes: "off", membership: "agent", nodeAgentPath: "/bin/node-agent" };
const MAC = "52:54:00:aa:bb:05";
const shown = (raw: Record<string, unknown>, stack?: string) => problemsOf(raw as never, undefined, stack).map((p) => `${p.key}: ${p.problem} -> ${p.fix}`);

describe("bareMetalNodes", () => {
    it("is read from Pulumi's JSON, MACs in lower case, by node number", () => {
        const cfg = config({ ...agent, bareMetalNodes: JSON.stringify({ "52:54:00:AA:BB:06": "6", [MAC]: 5 }) } as never);
        expect(cfg.bareMetalNodes).toEqual([{ mac: MAC, index: 5 }, { mac: "52:54:00:aa:bb:06", index: 6 }]);
        expect(config(agent as never).bareMetalNodes).toEqual([]);
    });

    it("needs membership=agent", () => {
        expect(shown({ bareMetalNodes: { [MAC]: 5 } })).toEqual([
            "bareMetalNodes: needs membership=agent: with membership=lab the stack's membership step configures its own VMs over SSH, and an installed machine gets no membership -> pulumi config set membership agent, or pulumi config rm bareMetalNodes",
        ]);
    });

    it("refuses a VM's node number, naming the next free one", () => {
        expect(shown({ ...agent, bareMetalNodes: { [MAC]: 3, "52:54:00:aa:bb:04": 4 } })).toEqual([
            `bareMetalNodes.${MAC}: is node 3, one of the stack's VMs (nodeCount 3); a machine joins under a number of its own -> pulumi config set --path 'bareMetalNodes.${MAC}' 5`,
        ]);
    });

    it("refuses a number twice, a number outside the ranges, and what is not a node number", () => {
        expect(shown({ ...agent, bareMetalNodes: { [MAC]: 5, "52:54:00:aa:bb:06": 5 } })).toEqual([
            "bareMetalNodes.52:54:00:aa:bb:06: is also the node number of bareMetalNodes.52:54:00:aa:bb:05 -> pulumi config set --path 'bareMetalNodes.52:54:00:aa:bb:06' 4",
        ]);
        // A /28 holds nodes 1 to 5 (.10 to .14).
        expect(shown({ ...agent, nodeCidr: "10.77.0.0/28", bareMetalNodes: { [MAC]: 6 } })).toEqual([
            `bareMetalNodes.${MAC}: does not fit the node and mesh ranges (nodeCidr, wireguardCidr): node numbers go up to 5 -> pulumi config set --path 'bareMetalNodes.${MAC}' 4 (or a larger nodeCidr and wireguardCidr)`,
        ]);
        expect(shown({ ...agent, bareMetalNodes: { [MAC]: "five" } })[0]).toMatch(/^bareMetalNodes.52:54:00:aa:bb:05: must be a node number .* -> pulumi config set --path 'bareMetalNodes.52:54:00:aa:bb:05' 4$/);
        expect(shown({ ...agent, bareMetalNodes: [MAC] })[0]).toMatch(/^bareMetalNodes: must map each machine's MAC address to its node number/);
    });

    it("refuses what is not a NIC's MAC: not a MAC, multicast, the same machine twice, a VM's", () => {
        expect(shown({ ...agent, bareMetalNodes: { "node-5": 5 } })[0]).toMatch(/^bareMetalNodes.node-5: is not a MAC address/);
        expect(shown({ ...agent, bareMetalNodes: { "01:00:5e:00:00:05": 5 } })[0]).toMatch(/is a multicast MAC address/);
        expect(shown({ ...agent, bareMetalNodes: { [MAC]: 5, [MAC.toUpperCase()]: 6 } })).toEqual([
            `bareMetalNodes.${MAC.toUpperCase()}: names the same machine as bareMetalNodes.${MAC} -> pulumi config rm --path 'bareMetalNodes.${MAC.toUpperCase()}'`,
        ]);
        const vm2 = nodeMac("clusteros-lab", "ci", 2);
        expect(shown({ ...agent, bareMetalNodes: { [vm2]: 5 } }, "ci")).toContain(
            `bareMetalNodes.${vm2}: is the MAC address of the stack's VM node 2 -> pulumi config rm --path 'bareMetalNodes.${vm2}' (use the machine's own MAC address)`);
    });

    it("gives each machine the identity of its node number on its own MAC, and the cluster key", () => {
        const plan = planCluster("clusteros-lab", "ci", config({ ...agent, bareMetalNodes: { [MAC]: 5 } } as never), files);
        expect(plan.bareMetalSeeds.map((s) => [s.mac, s.hostname])).toEqual([[MAC, "cluster-node-5"]]);
        const docs = plan.bareMetalSeeds[0].cloudInit("CLUSTER-KEY", "ssh-ed25519 AAAA automation");
        const doc = parse(docs.userData.replace(/^#cloud-config\n/, "")) as { hostname: string; write_files: { path: string; content: string }[] };
        expect(doc.hostname).toBe("cluster-node-5");
        const env = Buffer.from(doc.write_files.find((f) => f.path === "/etc/clusteros/node-agent.env")!.content, "base64").toString();
        for (const line of ["CLUSTEROS_NODE_INDEX=5", "CLUSTEROS_CLUSTER_KEY=CLUSTER-KEY", "CLUSTEROS_NODE_IP=10.77.0.14", "CLUSTEROS_WIREGUARD_IP=10.78.0.5"]) {
            expect(env).toContain(`${line}\n`);
        }
        const net = parse(docs.networkConfig) as { ethernets: { primary: { match: { macaddress: string }; addresses: string[] } } };
        expect(net.ethernets.primary.match.macaddress).toBe(MAC);
        expect(net.ethernets.primary.addresses).toEqual(["10.77.0.14/24"]);
        // A machine's seed is a bare-metal one even when the stack's VMs run under TCG.
        const emulated = planCluster("clusteros-lab", "ci", config({ ...agent, domainType: "qemu", bareMetalNodes: { [MAC]: 5 } } as never), files);
        expect(parse(emulated.bareMetalSeeds[0].cloudInit("CLUSTER-KEY", "k").userData)).not.toHaveProperty("bootcmd");
        expect(parse(emulated.nodes[0].cloudInit({ wireguardPrivateKey: "", mungeKey: "", kubernetes: { token: "" }, clusterKey: "K" }, "k").userData)).toHaveProperty("bootcmd");
        // The VMs' seeds are what they were without it.
        const without = planCluster("clusteros-lab", "ci", config(agent as never), files);
        const secrets = { wireguardPrivateKey: "", mungeKey: "", kubernetes: { token: "" }, clusterKey: "CLUSTER-KEY" };
        expect(plan.nodes.map((n) => n.cloudInit(secrets, "k"))).toEqual(without.nodes.map((n) => n.cloudInit(secrets, "k")));
    });
});

describe("make usb's seeds (lab/release/seeds.ts)", () => {
    const tree = (seeds: Record<string, StackSeed>, own?: string) => {
        const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "seeds-")), "seeds");
        try {
            return { dir, said: seedsTree(dir, seeds, own) };
        } catch (e) {
            return { dir, error: (e as Error).message };
        }
    };
    const docs = { userData: "#cloud-config\nhostname: cluster-node-5\n", metaData: "instance-id: x\n", networkConfig: "version: 2\n" };

    it("writes each machine's seed, private, in a directory named by its MAC", () => {
        const { dir, said } = tree({ [MAC]: docs });
        expect(said).toBe(`seeds from the stack (bareMetalNodes) for 1 machine(s): ${MAC}`);
        expect(fs.readdirSync(path.join(dir, MAC)).sort()).toEqual(["meta-data", "network-config", "user-data"]);
        expect(fs.readFileSync(path.join(dir, MAC, "user-data"), "utf8")).toBe(docs.userData);
        expect(fs.statSync(path.join(dir, MAC, "user-data")).mode & 0o777).toBe(0o600);
        expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    });

    it("adds SEEDS' own seeds, and refuses one for a machine the stack also seeds", () => {
        const own = fs.mkdtempSync(path.join(os.tmpdir(), "own-"));
        fs.mkdirSync(path.join(own, "serial-A1"));
        fs.writeFileSync(path.join(own, "serial-A1", "user-data"), "#cloud-config\n");
        const ok = tree({ [MAC]: docs }, own);
        expect(ok.error).toBeUndefined();
        expect(fs.readdirSync(ok.dir).sort()).toEqual([MAC, "serial-A1"]);
        fs.mkdirSync(path.join(own, "52-54-00-AA-BB-05"));
        const clash = tree({ [MAC]: docs }, own);
        expect(clash.error).toContain("has a seed for 52-54-00-AA-BB-05, which the stack's bareMetalNodes also gives one");
    });
});
