// The stack's provisioning network (components/plan/netboot.ts): a libvirt network on the main
// host with no forwarding (mode none: nothing routes it anywhere), DHCP over its range, and
// libvirt's dnsmasq serving the network boot tree over TFTP, each firmware its own GRUB.
// Created, refreshed and destroyed with the rest of the stack.
import * as libvirt from "@pulumi/libvirt";
import * as pulumi from "@pulumi/pulumi";
import { NetbootPlan } from "./plan/netboot";

export function netbootNetwork(name: string, plan: NetbootPlan, opts: pulumi.CustomResourceOptions): libvirt.Network {
    return new libvirt.Network(name, {
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
}
