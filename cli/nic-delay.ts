// A delay with jitter on what a node sends, from the hypervisor: QEMU's filter-buffer on the
// node's network backend (QMP object-add through virsh qemu-monitor-command) holds every frame
// the guest sends and lets them all go every `ms` milliseconds, so each waits between 0 and
// `ms` (on average half). Nothing runs in the guest and the host kernel needs no netem; the
// domain's definition is untouched. It acts on all the node's traffic, to every peer and to the
// host alike. heal removes it (object-del).
import { qmp, qemuRuns } from "./qmp";
import { CliError } from "./stack";
import type { Virsh } from "./virsh";

/** Names of the lab's filters on a domain; the id ends with the netdev it holds up. */
export const DELAY_PREFIX = "clab-delay-";

/** The netdevs of a domain's interfaces, from its live XML: libvirt names each "host" + the interface's alias. */
export function netdevs(domainXml: string): string[] {
    return [...domainXml.matchAll(/<interface\b[\s\S]*?<\/interface>/g)]
        .map((m) => /<alias name='([^']+)'\/>/.exec(m[0])?.[1])
        .filter((a): a is string => a !== undefined)
        .map((alias) => `host${alias}`);
}

/** QMP commands that delay what the domain sends on each netdev by up to `ms`. */
export function delayCommands(devs: string[], ms: number): object[] {
    if (!Number.isInteger(ms) || ms < 1 || ms > 10_000) throw new CliError(`a delay is whole milliseconds from 1 to 10000, not ${ms}`);
    return devs.map((netdev) => ({ execute: "object-add", arguments: {
        "qom-type": "filter-buffer", id: `${DELAY_PREFIX}${netdev}`, netdev, queue: "rx", interval: ms * 1000 } }));
}

/** QMP commands that remove the lab's delays among a domain's objects (qom-list /objects). */
export function undelayCommands(objects: { name: string }[]): object[] {
    return objects.filter((o) => o.name.startsWith(DELAY_PREFIX)).map((o) => ({ execute: "object-del", arguments: { id: o.name } }));
}

/** Delays what the running domain sends by up to `ms`; an earlier delay is replaced. */
export function delayNode(virsh: Virsh, domain: string, ms: number): void {
    undelayNode(virsh, domain);
    const xml = virsh("dumpxml", domain);
    if (!xml.ok) throw new CliError(`${domain}: ${xml.err}`);
    const devs = netdevs(xml.out);
    if (devs.length === 0) throw new CliError(`${domain} has no network interface to delay`);
    for (const command of delayCommands(devs, ms)) qmp(virsh, domain, command);
}

/** Removes the lab's delays from a domain; how many there were. A domain that does not run has none. */
export function undelayNode(virsh: Virsh, domain: string): number {
    if (!qemuRuns(virsh, domain)) return 0;
    const commands = undelayCommands(qmp(virsh, domain, { execute: "qom-list", arguments: { path: "/objects" } }) as { name: string }[]);
    for (const command of commands) qmp(virsh, domain, command);
    return commands.length;
}
