// Cluster tests (tests written with clusteros-lab/testing): one file at a time (they share
// the machine's CPUs with the nodes), long timeouts, and a JUnit report when JUNIT_XML is set.
// CLUSTEROS_LAB_TEST_FILES (absolute paths, one per line; scripts/cluster-test.sh) runs those
// files and directories, wherever they are, instead of this project's tests.
import * as fs from "node:fs";
import * as path from "node:path";
import { defineConfig } from "vitest/config";

const given = (process.env.CLUSTEROS_LAB_TEST_FILES ?? "").split("\n").filter(Boolean)
    .map((p) => (fs.existsSync(p) && fs.statSync(p).isDirectory() ? path.join(p, "**", "*.test.ts") : p));

export default defineConfig({
    // The test API as a test file imports it: from source here, compiled in the packed package.
    resolve: { alias: { "clusteros-lab/testing": path.join(__dirname, fs.existsSync(path.join(__dirname, "index.js")) ? "index.js" : "index.ts") } },
    test: {
        root: path.join(__dirname, ".."),
        include: given.length ? given : ["tests/cluster/**/*.test.ts", "docs/examples/**/*.test.ts"],
        // Test files outside this project are found from the file system's root.
        dir: given.length ? "/" : undefined,
        // useLabCluster registers its hooks through vitest's globals (testing/hooks.ts).
        globals: true,
        testTimeout: 900_000,
        hookTimeout: 1_800_000,
        pool: "forks",
        fileParallelism: false,
        reporters: process.env.JUNIT_XML ? ["default", "junit"] : ["default"],
        outputFile: process.env.JUNIT_XML ? { junit: process.env.JUNIT_XML } : undefined,
    },
});
