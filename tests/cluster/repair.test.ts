// A broken cluster as a user meets it, and its repair (README, "Drift"): node 2 crashed with
// `lab crash`, so `lab status` fails and names it; node 3's domain undefined as well; then one
// `make up` (scripts/up.sh) brings both back healthy, creating what was missing, replacing
// and deleting nothing, and leaving node 1 running.
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { spawnCollect } from "../../components/exec/spawn";
import { PROJECT_ROOT } from "../../components/plan/paths";
import { must, virshFor } from "../../cli/virsh";
import { e2eCluster } from "./e2e-cluster";

const lab = e2eCluster();
const stack = () => lab().info.stack;
const script = (name: string) => path.join(PROJECT_ROOT, "scripts", name);
const tail = (text: string) => text.trim().split("\n").slice(-40).join("\n");
/** virsh on node n's host, about its domain. */
const virsh = (n: number, verb: string, ...args: string[]) => {
    const node = lab().node(n);
    return must(virshFor(lab().info, node.node), `${verb} ${node.domain}`, verb, node.domain, ...args);
};
let node1Id = "";

describe("node 2 crashed, node 3 undefined, then one make up", () => {
    it("lab crash 2 powers node 2 off", async () => {
        const r = await spawnCollect([script("lab.sh"), "--stack", stack(), "crash", "2"]);
        expect(r.code, r.output).toBe(0);
        expect(virsh(2, "domstate")).toBe("shut off");
    });

    it("lab status exits non-zero when node 2 is down, and says why", async () => {
        const r = await spawnCollect([script("lab.sh"), "--stack", stack(), "status"]);
        expect(r.code, r.output).not.toBe(0);
        expect(r.output).toContain("cluster-node-2 is not healthy: domain is shut off");
    });

    it("with node 3's domain undefined too, one make up ends with every node healthy", async () => {
        node1Id = virsh(1, "domid");
        virsh(3, "destroy");
        virsh(3, "undefine", "--nvram");
        const r = await spawnCollect([script("up.sh"), stack()]);
        expect(r.code, tail(r.output)).toBe(0);
    }, 1_800_000);

    it("that make up created what was missing, and replaced and deleted nothing", async () => {
        const changes = await lab().lastUpdateChanges();
        expect(changes.create ?? 0, JSON.stringify(changes)).toBeGreaterThan(0);
        expect({ replace: changes.replace ?? 0, delete: changes.delete ?? 0 }).toEqual({ replace: 0, delete: 0 });
    });

    it("node 1 was left running (the same domain id)", () => {
        expect(virsh(1, "domid")).toBe(node1Id);
    });
});
