// Cluster tests (tests written with clusteros-lab/testing): one file at a time (they share
// the machine's CPUs with the nodes), long timeouts, and a JUnit report when JUNIT_XML is set.
import * as path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
    resolve: { alias: { "clusteros-lab/testing": path.join(__dirname, "index.ts") } },
    test: {
        root: path.join(__dirname, ".."),
        include: ["tests/cluster/**/*.test.ts", "docs/examples/**/*.test.ts"],
        testTimeout: 900_000,
        hookTimeout: 1_800_000,
        pool: "forks",
        fileParallelism: false,
        reporters: process.env.JUNIT_XML ? ["default", "junit"] : ["default"],
        outputFile: process.env.JUNIT_XML ? { junit: process.env.JUNIT_XML } : undefined,
    },
});
