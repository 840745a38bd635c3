// What `lab networks --json` prints: the IPv4 ranges in use on the daemon and where nodes
// live, each with what holds it (the table's two columns).
import type { NetworkInUse } from "../components/plan/network-conflicts";

export function networksJson(inUse: NetworkInUse[]): string {
    return JSON.stringify(inUse.map((n) => ({ range: n.cidr, heldBy: n.owner })), null, 2);
}
