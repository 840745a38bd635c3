// lab/orphans.ts: what recovery (lab/recover.ts) removes before an up, on which host.
import { describe, expect, it } from "vitest";
import { Deployment, DOMAIN, hostUris, orphansOf } from "../../lab/orphans";

const PREFIX = "clusteros-lab-ci";
const MAIN = "qemu:///system";
const LAB2 = "qemu+ssh://root@lab2/system";
const provider = (name: string, uri: string) => ({
    urn: `urn:pulumi:ci::clusteros-lab::pulumi:providers:libvirt::${name}`, type: "pulumi:providers:libvirt", id: `${name}-id`, inputs: { uri },
});
const ref = (p: ReturnType<typeof provider>) => `${p.urn}::${p.id}`;
const P1 = provider("clusteros-lab-ci-libvirt", MAIN);
const P2 = provider("clusteros-lab-ci-lab2-libvirt", LAB2);
const domain = (n: number, p: ReturnType<typeof provider>) => ({
    urn: `urn:pulumi:ci::clusteros-lab::libvirt:index/domain:Domain::clusteros-lab-ci-node-${n}-domain`, type: DOMAIN,
    id: `uuid-${n}`, inputs: { name: `${PREFIX}-node-${n}` }, provider: ref(p),
});
const state: Deployment = { resources: [P1, P2, domain(1, P1), domain(2, P1), domain(3, P2)] };

describe("orphans left by a failed or interrupted up", () => {
    it("asks every host the state has a provider for", () => {
        expect(hostUris(state, MAIN)).toEqual([MAIN, LAB2]);
        expect(hostUris({}, MAIN)).toEqual([MAIN]);
    });

    it("names a stopped node domain the state does not know, on the host it is on", () => {
        const stopped = new Map([[MAIN, [`${PREFIX}-node-2`]], [LAB2, [`${PREFIX}-node-4`, `${PREFIX}-node-3`]]]);
        expect(orphansOf(state, PREFIX, MAIN, stopped)).toEqual([
            { uri: LAB2, type: DOMAIN, name: `${PREFIX}-node-4`, why: "defined by a create that failed, never recorded" },
        ]);
    });

    it("never names another stack's domains, nor other objects that merely share the prefix", () => {
        const stopped = new Map([[MAIN, [`${PREFIX}-b-node-1`, "clusteros-lab-cix-node-1", `${PREFIX}-node-1x`, "my-vm"]]]);
        expect(orphansOf(state, PREFIX, MAIN, stopped)).toEqual([]);
    });

    it("names the objects of pending creates on the host whose provider made them, once", () => {
        const pending: Deployment = {
            ...state,
            pending_operations: [
                { type: "creating", resource: { ...domain(4, P2), id: undefined } },
                { type: "creating", resource: { urn: "urn:x::libvirt:index/volume:Volume::v", type: "libvirt:index/volume:Volume", inputs: { name: `${PREFIX}-node-4-disk.qcow2` }, provider: ref(P2) } },
                { type: "updating", resource: domain(1, P1) },
                { type: "creating", resource: { urn: "urn:x::clusteros:lab:RemoteCommand::m", type: "pulumi-nodejs:dynamic:Resource", inputs: {} } },
            ],
        };
        const stopped = new Map([[LAB2, [`${PREFIX}-node-4`]]]);
        expect(orphansOf(pending, PREFIX, MAIN, stopped).map((o) => [o.uri, o.type, o.name])).toEqual([
            [LAB2, DOMAIN, `${PREFIX}-node-4`],
            [LAB2, "libvirt:index/volume:Volume", `${PREFIX}-node-4-disk.qcow2`],
        ]);
    });
});
