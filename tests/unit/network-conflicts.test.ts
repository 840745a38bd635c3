// A stack's nodeCidr against the networks already on the daemon: caught before anything
// is created, with the network it collides with and a free range to use instead.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCidr, Cidr, cidrsOverlap } from "../../components/plan/cidr";
import { ConfigError, validateConfig } from "../../components/plan/config";
import { conflictsWith, freeRanges, NetworkInUse, parseNetworkXml, toCidr } from "../../components/plan/network-conflicts";
import { networksJson } from "../../cli/networks";
import { host } from "./helpers";

const ciNet = `<network>
  <name>clusteros-lab-ci-net</name>
  <uuid>0b7d</uuid>
  <forward mode='nat'/>
  <bridge name='clab1a2b3c4d' stp='on' delay='0'/>
  <ip address='10.79.0.1' netmask='255.255.255.0'>
  </ip>
  <ip family='ipv6' address='fd00::1' prefix='64'/>
</network>`;

describe("libvirt network XML", () => {
    it("reads name, bridge and IPv4 ranges as virsh net-dumpxml prints them", () => {
        expect(parseNetworkXml(ciNet)).toEqual({ name: "clusteros-lab-ci-net", bridge: "clab1a2b3c4d", cidrs: ["10.79.0.0/24"] });
        expect(parseNetworkXml("<network><name>default</name><ip address=\"192.168.122.1\" prefix=\"16\"/></network>").cidrs)
            .toEqual(["192.168.0.0/16"]);
    });

    it("turns an address and a netmask or prefix into its network", () => {
        expect(toCidr("10.77.0.1", "255.255.254.0")).toBe("10.77.0.0/23");
        expect(toCidr("172.16.5.9", "12")).toBe("172.16.0.0/12");
        expect(toCidr("fd00::1", "64")).toBeUndefined();
    });
});

const inUse: NetworkInUse[] = [
    { owner: "libvirt network clusteros-lab-ci-net", name: "clusteros-lab-ci-net", cidr: "10.79.0.0/24" },
    { owner: "libvirt network clusteros-lab-dev-net", name: "clusteros-lab-dev-net", cidr: "10.77.0.0/24" },
    { owner: "interface eth0", name: "eth0", cidr: "192.168.1.0/24" },
];
const cidr = (t: string) => parseCidr(t) as Cidr;

describe("nodeCidr conflicts", () => {
    it("finds the networks a range overlaps, never the stack's own", () => {
        const own = { network: "clusteros-lab-dev-net", bridge: "clabdev" };
        expect(conflictsWith(cidr("10.79.0.0/16"), own, inUse).map((n) => n.owner)).toEqual(["libvirt network clusteros-lab-ci-net"]);
        expect(conflictsWith(cidr("10.77.0.0/24"), own, inUse)).toEqual([]);
        expect(conflictsWith(cidr("192.168.1.128/25"), own, inUse).map((n) => n.owner)).toEqual(["interface eth0"]);
    });

    it("fails validation naming nodeCidr, the network and a free range, before anything is created", () => {
        const withNets = { ...host, networksInUse: () => inUse };
        let err: ConfigError | undefined;
        try {
            validateConfig({ imageFlavor: "debian-12", nodeCidr: "10.79.0.0/24", wireguardCidr: "10.64.0.0/24" }, withNets, "clusteros-lab", "e2e");
        } catch (e) {
            err = e as ConfigError;
        }
        expect(err).toBeInstanceOf(ConfigError);
        expect(err!.problems).toEqual([{
            key: "nodeCidr", value: "10.79.0.0/24",
            problem: "overlaps libvirt network clusteros-lab-ci-net (10.79.0.0/24) on qemu:///system",
            fix: "choose a free range, e.g. pulumi config set nodeCidr 10.64.1.0/24",
        }]);
        // The stack that owns the network is not in conflict with itself.
        expect(validateConfig({ imageFlavor: "debian-12", nodeCidr: "10.79.0.0/24", wireguardCidr: "10.80.0.0/24" },
            withNets, "clusteros-lab", "ci").nodeCidr.text).toBe("10.79.0.0/24");
    });

    it("names libvirtUri when libvirt does not answer there", () => {
        const down = { ...host, networksInUse: () => "failed to connect to the hypervisor" };
        expect(() => validateConfig({ imageFlavor: "debian-12", libvirtUri: "qemu+ssh://nohost/system" }, down, "clusteros-lab", "x"))
            .toThrow(/clusteros-lab:libvirtUri = "qemu\+ssh:\/\/nohost\/system": libvirt does not answer there \(failed to connect to the hypervisor\)/);
    });

    it("suggests free ranges that overlap nothing in use and each other", () => {
        fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 64, max: 80 }), fc.integer({ min: 0, max: 255 }),
            fc.integer({ min: 16, max: 24 })), { maxLength: 30 }), fc.integer({ min: 1, max: 5 }), (nets, count) => {
            const taken = nets.map(([b, c, p]) => toCidr(`10.${b}.${c}.0`, String(p))!);
            const free = freeRanges(taken, count).map(cidr);
            expect(free).toHaveLength(count);
            for (const f of free) {
                expect(taken.some((t) => cidrsOverlap(f, cidr(t)))).toBe(false);
                expect(free.filter((g) => cidrsOverlap(f, g))).toHaveLength(1);
            }
        }));
    });
});

describe("lab networks --json", () => {
    it("gives each range in use with what holds it, as the table's two columns", () => {
        const inUse: NetworkInUse[] = [
            { owner: "libvirt network clusteros-lab-ci", name: "clusteros-lab-ci", cidr: "10.79.0.0/24" },
            { owner: "interface eth0", name: "eth0", cidr: "192.168.1.0/24" },
        ];
        expect(JSON.parse(networksJson(inUse))).toEqual([
            { range: "10.79.0.0/24", heldBy: "libvirt network clusteros-lab-ci" },
            { range: "192.168.1.0/24", heldBy: "interface eth0" },
        ]);
    });
});
