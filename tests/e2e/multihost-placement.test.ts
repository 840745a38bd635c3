// A stack across two hosts: nodes 1 and 2 on the main host, node 3 on the second, addressed
// from the second host's range; the outputs and lab status say which node runs where.
import { describe, expect, it } from "vitest";
import { e2e, stackOutputJson } from "./context";
import { domainState, h2, labStatus, MAIN_URI } from "./multihost";

describe("placement across two hosts", () => {
    it(`nodes 1 and 2 run on the main host, node 3 on host ${h2.name}`, async () => {
        expect(await Promise.all([
            domainState(MAIN_URI, 1), domainState(MAIN_URI, 2), domainState(h2.uri, 3), domainState(MAIN_URI, 3), domainState(h2.uri, 1),
        ])).toEqual(["running", "running", "running", "", ""]);
    });

    it(`node 3's address is in host ${h2.name}'s range`, async () => {
        const nodes = await stackOutputJson<{ ip: string }[]>(e2e.stack, "nodes");
        expect(nodes[2].ip.replace(/\.\d+$/, ".0/24")).toBe(h2.cidr);
    });

    it("the hosts output lists both hosts with their nodes", async () => {
        const hosts = await stackOutputJson<{ name: string; nodes: number[] }[]>(e2e.stack, "hosts");
        expect(hosts.map((h) => [h.name, h.nodes])).toEqual([["main", [1, 2]], [h2.name, [3]]]);
    });

    it("lab status is healthy with both hosts up, and shows each node's host", async () => {
        const s = await labStatus(120);
        expect(s.code, s.output).toBe(0);
        expect(s.rows).toEqual(["cluster-node-1 main running", "cluster-node-2 main running", `cluster-node-3 ${h2.name} running`]);
    }, 300_000);
});
