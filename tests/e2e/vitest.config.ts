// The e2e's own test files (tests/e2e/*.test.ts), run one phase at a time by e2e.sh (e2e_run
// in lib.sh) on the stacks it made: the cluster tests' settings (testing/vitest.config.ts),
// other files, and no JUnit file of their own (scripts/test.ts writes the run's).
import { defineConfig } from "vitest/config";
import cluster from "../../testing/vitest.config";

export default defineConfig({
    ...cluster,
    test: { ...cluster.test, include: ["tests/e2e/**/*.test.ts"], exclude: ["tests/e2e/fixtures/**"], reporters: ["default"], outputFile: undefined },
});
