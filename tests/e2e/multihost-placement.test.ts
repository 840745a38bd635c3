// The e2e's stack across two hosts: nodes 1 to 4 on the main host, node 5 on the second,
// addressed from the second host's range; the outputs and lab status say which node runs where.
import { describe, expect, it } from "vitest";
import { e2e, stackOutputJson } from "./context";
import { domainState, h2, H2_NODE, labStatus, MAIN_NODES, MAIN_URI } from "./multihost";

describe("placement across two hosts", () => {
    it(`nodes ${MAIN_NODES.join(", ")} run on the main host, node ${H2_NODE} on host ${h2.name}`, async () => {
        const where = async (n: number) => [n, await domainState(MAIN_URI, n), await domainState(h2.uri, n)];
        expect(await Promise.all([...MAIN_NODES, H2_NODE].map(where))).toEqual([
            ...MAIN_NODES.map((n) => [n, "running", ""]), [H2_NODE, "", "running"],
        ]);
    });

    it(`node ${H2_NODE}'s address is in host ${h2.name}'s range`, async () => {
        const nodes = await stackOutputJson<{ ip: string }[]>(e2e.stack, "nodes");
        expect(nodes[H2_NODE - 1].ip.replace(/\.\d+$/, ".0/24")).toBe(h2.cidr);
    });

    it("the hosts output lists both hosts with their nodes", async () => {
        const hosts = await stackOutputJson<{ name: string; nodes: number[] }[]>(e2e.stack, "hosts");
        expect(hosts.map((h) => [h.name, h.nodes])).toEqual([["main", MAIN_NODES], [h2.name, [H2_NODE]]]);
    });

    it("lab status is healthy with both hosts up, and shows each node's host", async () => {
        const s = await labStatus(120);
        expect(s.code, s.output).toBe(0);
        expect(s.rows).toEqual([...MAIN_NODES.map((n) => `cluster-node-${n} main running`), `cluster-node-${H2_NODE} ${h2.name} running`]);
    }, 300_000);
});
