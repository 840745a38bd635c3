// `lab rekey STACK` (setup runs it: scripts/lib/passphrase.sh): a stack's secrets, in its state
// and its secure settings, encrypted again with the current passphrase
// (PULUMI_CONFIG_PASSPHRASE(_FILE), by default this machine's own) instead of the old one,
// read from standard input (never an argument: arguments are visible to every user). Its
// libvirt objects are not touched. `pulumi stack change-secrets-provider` cannot do this
// non-interactively from passphrase to passphrase (both sides read the same variable), so:
// export with the old passphrase, make the stack's state again with a new salt, import. The
// plaintext export lives in a 0700 directory only until the import has succeeded.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as yaml from "yaml";
import { PROJECT_ROOT } from "../components/plan/paths";
import { log } from "./daemon";
import { LabError } from "./errors";
import { keepingSelectionSync } from "./selection";

type Env = NodeJS.ProcessEnv;

/** pulumi ARGS in the project, its standard output; a failure is a LabError with its message. */
function pulumi(args: string[], env: Env, input?: string): string {
    const r = spawnSync("pulumi", args, { cwd: PROJECT_ROOT, env, input, encoding: "utf8", maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new LabError(`pulumi ${args.slice(0, 2).join(" ")} failed: ${(r.stderr || r.error?.message || "").trim()}`);
    return r.stdout;
}

/** The stack file without its salt and its secure values: neither opens with the new passphrase. */
export function withoutSecrets(stackFile: string): string {
    const doc = yaml.parseDocument(stackFile.replace(/^encryptionsalt:.*\n?/m, ""));
    const config = doc.get("config");
    if (yaml.isMap(config)) {
        for (const item of [...config.items]) {
            if (yaml.isMap(item.value) && item.value.has("secure")) config.delete(item.key);
        }
    }
    return doc.toString();
}

/**
 * Re-encrypts STACK's secrets from oldPassphrase to the environment's passphrase. The user's
 * selected stack (this very one, if it was the one) is selected again afterwards.
 */
export function rekey(stack: string, oldPassphrase: string, env: Env = process.env): void {
    keepingSelectionSync(() => rekeyStack(stack, oldPassphrase, env), PROJECT_ROOT, env);
}

function rekeyStack(stack: string, oldPassphrase: string, env: Env): void {
    const withOld: Env = { ...env, PULUMI_CONFIG_PASSPHRASE: oldPassphrase };
    delete withOld.PULUMI_CONFIG_PASSPHRASE_FILE;
    const file = path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "clusteros-lab-rekey."));
    fs.chmodSync(work, 0o700);
    const state = path.join(work, "state.json");
    let keep = false;
    try {
        log(`re-encrypting stack ${stack} with this machine's passphrase`);
        pulumi(["stack", "export", "--stack", stack, "--show-secrets", "--file", state], withOld);
        const config = JSON.parse(pulumi(["config", "--stack", stack, "--show-secrets", "--json"], withOld)) as Record<string, { value?: string; secret?: boolean }>;
        fs.copyFileSync(file, path.join(work, path.basename(file)));
        pulumi(["stack", "rm", stack, "--force", "--yes", "--preserve-config"], env);
        keep = true; // from here until the import, the export is the only copy of the state
        fs.writeFileSync(file, withoutSecrets(fs.readFileSync(file, "utf8")));
        pulumi(["stack", "init", stack, "--secrets-provider", "passphrase", "--no-select"], env);
        const exported = JSON.parse(fs.readFileSync(state, "utf8"));
        exported.deployment.secrets_providers = JSON.parse(pulumi(["stack", "export", "--stack", stack], env)).deployment.secrets_providers;
        fs.writeFileSync(state, JSON.stringify(exported), { mode: 0o600 });
        pulumi(["stack", "import", "--stack", stack, "--file", state], env);
        for (const [key, v] of Object.entries(config)) {
            if (v.secret) pulumi(["config", "set", "--stack", stack, "--secret", key], env, v.value ?? "");
        }
        keep = false;
        try { pulumi(["stack", "export", "--stack", stack, "--show-secrets"], env); } catch (e) {
            throw new LabError(`stack ${stack} does not open with the new passphrase: ${(e as Error).message}`);
        }
        log(`stack ${stack} re-encrypted; the published passphrase no longer opens it`);
    } catch (e) {
        if (!keep) throw e;
        throw new LabError(`${(e as Error).message}\nthe stack's state (plaintext secrets) is in ${state}, its old settings in ${path.join(work, path.basename(file))}; ` +
            `restore with PULUMI_CONFIG_PASSPHRASE=<old> pulumi stack import --file ...`);
    } finally {
        if (!keep) fs.rmSync(work, { recursive: true, force: true });
    }
}
