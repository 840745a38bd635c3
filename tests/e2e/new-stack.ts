// The e2e's stacks (tests/e2e/lib.sh new_stack): made with the test API's stackWithSettings from
// the ci stack's settings, as every stack of the e2e and of a user's test is, with what the
// e2e adds. Run as: new-stack.ts NAME NODES NODE_CIDR WIREGUARD_CIDR, with E2E_WORK and
// E2E_EXTRA_PACKAGES (lib.sh, which builds the Debian base with them), and optionally
// E2E_KUBERNETES and E2E_DOMAIN_TYPE, in the environment.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../components/plan/paths";
import type { ConfigInput } from "../../testing/config-paths";
import { stackWithSettings } from "../../testing/lab-cluster";

/** The provisioning script every e2e stack adds to its image (and a package), so that their path through the build is exercised. */
export const PROVISION_DIR = path.join(PROJECT_ROOT, "tests", "e2e", "fixtures", "image-extras");
/** The test node agent make up builds from its Go source, so that the build and the bake-in are exercised. */
export const AGENT_SOURCE = path.join(PROJECT_ROOT, "tests", "e2e", "fixtures", "node-agent-go", "cmd", "node-agent");

export interface E2eStack { nodes: number; nodeCidr: string; wireguardCidr: string; userPublicKey: string; extraPackage: string }

/** The settings the e2e puts over the ci stack's. Pure. */
export function e2eSettings(s: E2eStack, env: NodeJS.ProcessEnv): Record<string, ConfigInput> {
    const kubernetes = env.E2E_KUBERNETES ?? "";
    return {
        nodeCount: s.nodes,
        // E2E_KUBERNETES=upstream|k3s (K3s's image needs the internet); the server's memory rule (config-schema.ts).
        ...(kubernetes ? { kubernetes } : {}),
        ...(kubernetes === "upstream" ? { nodeMemoryMiB: 2048 } : {}),
        // E2E_DOMAIN_TYPE=kvm on a machine with KVM (docs/examples/github-workflow.yml); the ci stack's qemu (TCG) otherwise.
        ...(env.E2E_DOMAIN_TYPE ? { domainType: env.E2E_DOMAIN_TYPE } : {}),
        nodeCidr: s.nodeCidr,
        wireguardCidr: s.wireguardCidr,
        nodeAgentSource: AGENT_SOURCE,
        imageExtraPackages: [s.extraPackage],
        imageProvisionDir: PROVISION_DIR,
        // Plain `ssh` as the outputs print it uses this key (through an agent: host-and-namespace.test.ts).
        sshPublicKeys: [s.userPublicKey],
    };
}

/** The user's key of the run (WORK/user, made once): what the outputs' ssh command is tried with. */
function userPublicKey(work: string): string {
    const key = path.join(work, "user");
    if (!fs.existsSync(`${key}.pub`)) {
        const r = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "e2e-user", "-f", key], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
    }
    return fs.readFileSync(`${key}.pub`, "utf8").trim();
}

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<void> {
    const [stack, nodes, nodeCidr, wireguardCidr] = argv;
    if (!stack || !/^\d+$/.test(nodes ?? "") || !nodeCidr || !wireguardCidr || !env.E2E_WORK || !env.E2E_EXTRA_PACKAGES) {
        throw new Error("usage: E2E_WORK=DIR E2E_EXTRA_PACKAGES=PACKAGE new-stack.ts NAME NODES NODE_CIDR WIREGUARD_CIDR");
    }
    const config = e2eSettings({ nodes: Number(nodes), nodeCidr, wireguardCidr, userPublicKey: userPublicKey(env.E2E_WORK),
        extraPackage: env.E2E_EXTRA_PACKAGES }, env);
    await stackWithSettings({ stack, from: "ci", config });
}

if (require.main === module) {
    main(process.argv.slice(2), process.env).catch((e: unknown) => {
        process.stderr.write(`new-stack: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exit(1);
    });
}
