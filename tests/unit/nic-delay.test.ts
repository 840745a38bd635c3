// A delay on what a node sends, from the hypervisor (cli/nic-delay.ts): which netdevs it holds
// up, the QMP that adds and removes the filters, and that only the lab's own filters go.
import { describe, expect, it } from "vitest";
import { DELAY_PREFIX, delayCommands, delayNode, netdevs, undelayCommands, undelayNode } from "../../cli/nic-delay";

// A node's live XML as libvirt 9.0 gives it, cut to what matters: one interface on the lab network.
const XML = `<domain type='qemu'><devices>
  <disk type='volume' device='disk'><alias name='virtio-disk0'/></disk>
  <interface type='network'><mac address='52:54:00:aa:bb:01'/><source network='clusteros-lab-ci-net'/>
    <target dev='vnet3'/><model type='virtio'/><alias name='net0'/></interface>
  <serial type='pty'><alias name='serial0'/></serial>
</devices></domain>`;

describe("a node's frames held up by the hypervisor", () => {
    it("finds each interface's netdev (host + its alias), and nothing else's", () => {
        expect(netdevs(XML)).toEqual(["hostnet0"]);
        expect(netdevs(XML.replace("</devices>", "<interface type='network'><alias name='net1'/></interface></devices>"))).toEqual(["hostnet0", "hostnet1"]);
        expect(netdevs("<domain><devices/></domain>")).toEqual([]);
    });

    it("buffers what the guest sends (the netdev's receive queue), released every ms", () => {
        expect(delayCommands(["hostnet0"], 200)).toEqual([{ execute: "object-add", arguments: {
            "qom-type": "filter-buffer", id: `${DELAY_PREFIX}hostnet0`, netdev: "hostnet0", queue: "rx", interval: 200_000 } }]);
    });

    it.each([0, -5, 1.5, 20_000, Number.NaN])("refuses a delay of %s ms, naming the range", (ms) => {
        expect(() => delayCommands(["hostnet0"], ms)).toThrow(/whole milliseconds from 1 to 10000/);
    });

    it("removes the lab's filters only", () => {
        expect(undelayCommands([{ name: "clab-delay-hostnet0" }, { name: "pr-manager-helper0" }, { name: "colo-compare0" }]))
            .toEqual([{ execute: "object-del", arguments: { id: "clab-delay-hostnet0" } }]);
    });

    it("replaces an earlier delay through virsh, and heals a stopped node as having none", () => {
        const calls: string[] = [];
        let objects = [{ name: "clab-delay-hostnet0" }];
        let state = "running";
        const virsh = (...args: string[]) => {
            if (args[0] === "domstate") return { ok: true, out: state, err: "" };
            if (args[0] === "dumpxml") return { ok: true, out: XML, err: "" };
            const command = JSON.parse(args[2]);
            calls.push(command.execute);
            if (command.execute === "qom-list") return { ok: true, out: JSON.stringify({ return: objects }), err: "" };
            if (command.execute === "object-del") objects = [];
            return { ok: true, out: JSON.stringify({ return: {} }), err: "" };
        };
        delayNode(virsh, "n3", 150);
        expect(calls).toEqual(["qom-list", "object-del", "object-add"]);
        state = "shut off";
        expect(undelayNode(virsh, "n3")).toBe(0);
    });
});
