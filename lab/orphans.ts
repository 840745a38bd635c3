// What a failed or interrupted `pulumi up` left on the stack's libvirt hosts and never
// recorded, so that recovery (lab/recover.ts) removes it and one up converges:
//   - the objects of pending creates (an up killed halfway), on the host whose provider
//     made them;
//   - a node's domain that is defined but not running and that the state does not know:
//     the libvirt provider defines a domain, then starts it, and records it only if the
//     start works, so a failed start (a host without the serial log's directory, no memory
//     left) leaves it defined, and the next create of that name fails.
// Pure: the state and each host's stopped domains in, the orphans out.

export const DOMAIN = "libvirt:index/domain:Domain";

interface StateResource {
    urn: string;
    type: string;
    id?: string;
    inputs?: { name?: string; uri?: string };
    provider?: string;
}

export interface Deployment {
    resources?: StateResource[];
    pending_operations?: { type: string; resource: StateResource }[];
}

export interface Orphan {
    uri: string;
    type: string;
    name: string;
    why: string;
}

const libvirtProviders = (d: Deployment) => (d.resources ?? []).filter((r) => r.type === "pulumi:providers:libvirt");

/** The URI of each libvirt provider of the state, by the reference resources carry (urn::id). */
export function providerUris(d: Deployment, defaultUri: string): (ref?: string) => string {
    const uris = new Map(libvirtProviders(d).map((r) => [`${r.urn}::${r.id}`, r.inputs?.uri || defaultUri]));
    return (ref) => (ref && uris.get(ref)) || defaultUri;
}

/** Every libvirt host the state has a provider for. */
export function hostUris(d: Deployment, defaultUri: string): string[] {
    const uris = libvirtProviders(d).map((r) => r.inputs?.uri || defaultUri);
    return [...new Set(uris.length > 0 ? uris : [defaultUri])];
}

/**
 * The orphans, given each host's stopped domains. `prefix` is the stack's libvirt prefix
 * (<project>-<stack>); only its own nodes' domains are ever named, never another stack's
 * (a stack named <stack>-b has domains <prefix>-b-node-N, which do not match).
 */
export function orphansOf(d: Deployment, prefix: string, defaultUri: string, stoppedDomains: Map<string, string[]>): Orphan[] {
    const uriOf = providerUris(d, defaultUri);
    const pending = (d.pending_operations ?? []).filter((op) => op.type === "creating").map((op) => ({
        uri: uriOf(op.resource.provider),
        type: op.resource.type,
        name: op.resource.inputs?.name ?? "",
        why: "created by an interrupted run",
    })).filter((o) => o.name.startsWith(`${prefix}-`));
    const node = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-node-\\d+$`);
    const recorded = new Set((d.resources ?? []).filter((r) => r.type === DOMAIN).map((r) => `${uriOf(r.provider)} ${r.inputs?.name}`));
    const pendingNames = new Set(pending.map((o) => `${o.uri} ${o.name}`));
    const unrecorded = [...stoppedDomains].flatMap(([uri, names]) => names
        .filter((n) => node.test(n) && !recorded.has(`${uri} ${n}`) && !pendingNames.has(`${uri} ${n}`))
        .map((name) => ({ uri, type: DOMAIN, name, why: "defined by a create that failed, never recorded" })));
    return [...pending, ...unrecorded];
}
