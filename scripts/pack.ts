// `make pack`: the lab as an npm package a ClusterOS repository adds as a dependency
// (docs/FROM_YOUR_REPOSITORY.md). Pulumi's ts-node and vitest run no TypeScript from
// node_modules, so the package carries its TypeScript compiled: each .js (and .d.ts) beside
// its .ts, in the same tree, so every path a module takes from __dirname (templates, images/,
// cloud-init/, scripts/) holds in the package as here. The generated libvirt SDK (sdk/libvirt,
// not on the registry) goes inside it, bundled. Prints the tarball's path.
//   pack.ts [OUT_DIR]   (default: dist/)
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../components/plan/paths";

/** What the package holds of this tree: the program, the CLI, the test API and their files. */
export const PACKAGE_DIRS = ["components", "cli", "lab", "testing", "images", "cloud-init", "scripts", "toolchain", "examples"];
export const PACKAGE_FILES = ["index.ts", "lib.ts", "Pulumi.yaml", "README.md", "tsconfig.json"];
/** The TypeScript compiled for it (not the repo's own tests, bench or build scripts). */
const COMPILED = ["index.ts", "lib.ts", "components/**/*.ts", "cli/**/*.ts", "lab/**/*.ts", "testing/**/*.ts"];
const BUNDLED_SDK = "@pulumi/libvirt";

interface PackageJson {
    name: string;
    version: string;
    description?: string;
    engines?: Record<string, string>;
    dependencies: Record<string, string>;
    [key: string]: unknown;
}

/** The packed package's package.json, from this project's. */
export function packageJsonFor(project: PackageJson, sdkVersion: string): PackageJson {
    const { "@pulumi/pulumi": pulumiVersion, [BUNDLED_SDK]: _sdk, ...deps } = project.dependencies;
    return {
        name: project.name,
        version: project.version,
        description: project.description,
        license: "Apache-2.0",
        main: "lib.js",
        types: "lib.d.ts",
        // lab: the CLI (`npx lab status`, `npx lab setup`); lab-test: cluster tests, anywhere.
        bin: { lab: "scripts/lab.sh", "lab-test": "scripts/cluster-test.sh" },
        engines: project.engines,
        dependencies: { ...deps, [BUNDLED_SDK]: sdkVersion },
        bundleDependencies: [BUNDLED_SDK],
        // One @pulumi/pulumi for the consumer's program, the lab and the SDK.
        peerDependencies: { "@pulumi/pulumi": pulumiVersion },
    };
}

function copyTree(from: string, to: string): void {
    fs.cpSync(from, to, {
        recursive: true,
        dereference: true,
        filter: (src) => !/(^|\/)(node_modules|\.git)(\/|$)/.test(path.relative(from, src)),
    });
}

export function pack(outDir: string): string {
    const stage = path.join(PROJECT_ROOT, ".pack", "clusteros-lab"); // inside the tree: tsc finds node_modules
    fs.rmSync(stage, { recursive: true, force: true });
    fs.mkdirSync(stage, { recursive: true });
    for (const d of PACKAGE_DIRS) copyTree(path.join(PROJECT_ROOT, d), path.join(stage, d));
    for (const f of PACKAGE_FILES) fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(stage, f));

    const tsconfig = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "tsconfig.json"), "utf8"));
    const { outDir: _out, paths: _paths, ...compilerOptions } = tsconfig.compilerOptions;
    fs.writeFileSync(path.join(stage, "tsconfig.pack.json"), JSON.stringify({
        compilerOptions: { ...compilerOptions, declaration: true, rootDir: "." }, include: COMPILED,
    }, null, 2));
    execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", path.join(stage, "tsconfig.pack.json")], { stdio: "inherit" });
    fs.rmSync(path.join(stage, "tsconfig.pack.json"));

    const sdk = fs.realpathSync(path.join(PROJECT_ROOT, "node_modules", BUNDLED_SDK));
    copyTree(sdk, path.join(stage, "node_modules", BUNDLED_SDK));
    const sdkVersion = JSON.parse(fs.readFileSync(path.join(sdk, "package.json"), "utf8")).version as string;
    const project = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as PackageJson;
    fs.writeFileSync(path.join(stage, "package.json"), `${JSON.stringify(packageJsonFor(project, sdkVersion), null, 2)}\n`);

    fs.mkdirSync(outDir, { recursive: true });
    const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", path.resolve(outDir)], { cwd: stage, encoding: "utf8" });
    fs.rmSync(path.join(PROJECT_ROOT, ".pack"), { recursive: true, force: true });
    return path.join(path.resolve(outDir), out.trim().split("\n").pop()!);
}

if (require.main === module) console.log(pack(process.argv[2] ?? path.join(PROJECT_ROOT, "dist")));
