// Loads an nftables ruleset where the lab's bridges are (the lab namespace in namespace
// mode, here in host mode): what `lab partition`/`heal` and the test API's faults apply.
import { spawnCollect } from "../components/exec/spawn";
import { inPlace } from "./place";
import { CliError } from "./stack";

/**
 * Why this user cannot load the lab's nftables rules: nftables on the host's bridges is
 * root's, also for a user in the libvirt group. Undefined for root.
 */
export function nftNeedsRoot(uid: number | undefined = process.getuid?.()): string | undefined {
    if (uid === undefined || uid === 0) return undefined;
    return "partitions, link faults and heal load nftables rules on the lab's bridges, which needs root "
        + "(the libvirt group is not enough): run the same command with sudo";
}

export async function loadRuleset(ruleset: string): Promise<void> {
    const why = nftNeedsRoot();
    if (why) throw new CliError(why);
    const r = await spawnCollect(inPlace(["nft", "-f", "-"]), { input: ruleset });
    if (r.code !== 0) throw new CliError(`nft refused the ruleset (${r.stderr.trim() || `exit ${r.code}`}); make setup installs nftables`);
}
