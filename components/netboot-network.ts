// The stack's provisioning network (components/plan/netboot.ts): a libvirt network on the main
// host with no forwarding (mode none: nothing routes it anywhere), DHCP over its range, and
// libvirt's dnsmasq serving the network boot tree over TFTP, each firmware its own GRUB; and
// the same tree over HTTP at the network's boot server address (TreeServer). Created,
// refreshed and destroyed with the rest of the stack.
import * as libvirt from "@pulumi/libvirt";
import * as pulumi from "@pulumi/pulumi";
import { NetbootPlan } from "./plan/netboot";
import { TreeServer } from "./providers/tree-server";

export function netbootNetwork(name: string, plan: NetbootPlan, opts: pulumi.CustomResourceOptions): { network: libvirt.Network; http: TreeServer } {
    const network = new libvirt.Network(name, {
        name: plan.name,
        mode: "none",
        bridge: plan.bridge,
        addresses: [plan.cidr],
        mtu: plan.mtu,
        autostart: false,
        dhcp: { enabled: true },
        dns: { enabled: false },
        dnsmasqOptions: { options: plan.dnsmasqOptions },
    }, opts);
    // Bound to the network's own address: on the host running Pulumi, which must be the
    // daemon's (config-schema netbootIsServable).
    const http = new TreeServer(`${name}-http`, {
        root: plan.tree,
        address: plan.server,
        port: plan.httpPort,
        ...plan.httpFiles,
        network: network.id,
    }, { parent: opts.parent, dependsOn: [network] });
    return { network, http };
}
