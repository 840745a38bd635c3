// The settings of the test API's own stack in the e2e (tests/e2e/lib.sh own_stack_checks):
// own-stack.test.ts brings it up with them, and tests/e2e/interrupted-up.test.ts first
// interrupts an up of the very same stack. The ci stack's settings, one node, on ranges the
// e2e found free.
import type { UpOptions } from "clusteros-lab/testing";

export function ownStackOptions(env: NodeJS.ProcessEnv = process.env): Pick<UpOptions, "stack" | "from" | "config"> {
    return {
        stack: env.E2E_OWN_STACK ?? "own-stack",
        from: "ci",
        config: {
            nodeCount: 1,
            ...(env.E2E_OWN_NODE_CIDR ? { nodeCidr: env.E2E_OWN_NODE_CIDR } : {}),
            ...(env.E2E_OWN_WG_CIDR ? { wireguardCidr: env.E2E_OWN_WG_CIDR } : {}),
            // As the e2e's other stacks (tests/e2e/lib.sh new_stack): kvm on a machine with KVM.
            ...(env.E2E_DOMAIN_TYPE ? { domainType: env.E2E_DOMAIN_TYPE } : {}),
        },
    };
}
