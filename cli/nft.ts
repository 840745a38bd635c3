// Loads an nftables ruleset where the lab's bridges are (the lab namespace in namespace
// mode, here in host mode): what `lab partition`/`heal` and the test API's faults apply.
import { spawnCollect } from "../components/exec/spawn";
import { inPlace } from "./place";
import { CliError } from "./stack";

export async function loadRuleset(ruleset: string): Promise<void> {
    const r = await spawnCollect(inPlace(["nft", "-f", "-"]), { input: ruleset });
    if (r.code !== 0) throw new CliError(`nft refused the ruleset (${r.stderr.trim() || `exit ${r.code}`}); make setup installs nftables`);
}
