// lab rekey (lab/rekey.ts) against a real Pulumi CLI and a throw-away file backend: a stack on the
// passphrase earlier versions published moves to this machine's, secrets intact, and the
// old passphrase no longer opens it.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { withoutSecrets } from "../../lab/rekey";

const ROOT = path.join(__dirname, "..", "..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "rekey-test-"));
const stack = `rekey-unit-${process.pid}`;
const stackFile = path.join(ROOT, `Pulumi.${stack}.yaml`);
fs.mkdirSync(path.join(work, "backend"));
fs.writeFileSync(path.join(work, "new-passphrase"), "a-new-machine-passphrase\n", { mode: 0o600 });
afterAll(() => {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(stackFile, { force: true });
    fs.rmSync(path.join(ROOT, `Pulumi.${stack}-selected.yaml`), { force: true });
});

/** Runs a command with the project's environment on the test backend. */
function sh(script: string, passphrase?: string): string {
    const auth = passphrase !== undefined
        ? `export PULUMI_CONFIG_PASSPHRASE='${passphrase}'; unset PULUMI_CONFIG_PASSPHRASE_FILE;`
        : `unset PULUMI_CONFIG_PASSPHRASE; export PULUMI_CONFIG_PASSPHRASE_FILE='${work}/new-passphrase';`;
    return execFileSync("bash", ["-c", `set -euo pipefail; . scripts/lib/common.sh; lab_load_env;
        export PULUMI_BACKEND_URL='file://${work}/backend' PULUMI_HOME='${work}/home'; ${auth} ${script}`], { cwd: ROOT, encoding: "utf8", stdio: "pipe" });
}

describe("lab rekey", () => {
    it("re-encrypts a stack from the published passphrase to this machine's, keeping its secrets", () => {
        sh(`pulumi stack init ${stack} --secrets-provider passphrase --no-select >/dev/null
            pulumi config set --stack ${stack} nodeCount 2
            printf '%s' 'agent-token' | pulumi config set --stack ${stack} --secret extraSecret
            pulumi stack export --stack ${stack} --file '${work}/empty.json'`, "clusteros-lab");
        // A state holding a secret output, as a deployed stack has.
        const e = JSON.parse(fs.readFileSync(path.join(work, "empty.json"), "utf8"));
        e.deployment.resources = [{
            urn: `urn:pulumi:${stack}::clusteros-lab::pulumi:pulumi:Stack::clusteros-lab-${stack}`,
            type: "pulumi:pulumi:Stack", custom: false,
            outputs: { mungeKey: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: "\"s3cret-munge\"" } },
        }];
        fs.writeFileSync(path.join(work, "state.json"), JSON.stringify(e));
        sh(`pulumi stack import --stack ${stack} --file '${work}/state.json' >/dev/null`, "clusteros-lab");

        // Another stack selected, as a user's would be: it stays selected.
        sh(`pulumi stack init ${stack}-selected --secrets-provider passphrase >/dev/null`, "clusteros-lab");
        sh(`echo clusteros-lab | scripts/lab.sh rekey ${stack} 2>/dev/null`);
        expect(sh("pulumi stack --show-name")).toBe(`${stack}-selected\n`);

        expect(JSON.parse(sh(`pulumi stack output --stack ${stack} --show-secrets --json`)).mungeKey).toBe("s3cret-munge");
        expect(sh(`pulumi config get --stack ${stack} extraSecret`)).toBe("agent-token\n");
        expect(sh(`pulumi config get --stack ${stack} nodeCount`)).toBe("2\n");
        expect(() => sh(`pulumi stack output --stack ${stack} --show-secrets --json`, "clusteros-lab")).toThrow(/passphrase/);
    }, 120_000);

    it("reads the old passphrase from standard input, never an argument: without it, refuses and changes nothing", () => {
        expect(() => sh(`scripts/lab.sh rekey ${stack} < /dev/null`)).toThrow(/reads the stack's old passphrase from standard input/);
        expect(sh(`pulumi config get --stack ${stack} extraSecret`)).toBe("agent-token\n");
    }, 60_000);

    it("drops the stack file's salt and secure values, keeping the other settings and comments", () => {
        const file = "# my stack\nencryptionsalt: v1:abc\nconfig:\n  clusteros-lab:nodeCount: \"2\" # two\n" +
            "  clusteros-lab:token:\n    secure: v1:xyz\n";
        expect(withoutSecrets(file)).toBe("# my stack\nconfig:\n  clusteros-lab:nodeCount: \"2\" # two\n");
    });
});
