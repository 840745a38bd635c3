// The packed package's package.json (scripts/pack.ts): the compiled entry points, the two
// commands, the libvirt SDK bundled (it is on no registry) and one @pulumi/pulumi shared with
// the repository that installs it.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../components/plan/paths";
import { PACKAGE_DIRS, PACKAGE_FILES, packageJsonFor } from "../../scripts/pack";

const project = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));

describe("packageJsonFor", () => {
    const pkg = packageJsonFor(project, "0.8.3");

    it("points at the compiled program, the lab and lab-test commands", () => {
        expect([pkg.main, pkg.types, pkg.bin]).toEqual(["lib.js", "lib.d.ts", { lab: "scripts/lab.sh", "lab-test": "scripts/cluster-test.sh" }]);
        for (const f of Object.values(pkg.bin as Record<string, string>)) expect(fs.existsSync(path.join(PROJECT_ROOT, f)), f).toBe(true);
    });

    it("bundles the libvirt SDK and leaves @pulumi/pulumi to the repository, at this project's version", () => {
        expect(pkg.bundleDependencies).toEqual(["@pulumi/libvirt"]);
        expect(pkg.dependencies["@pulumi/libvirt"]).toBe("0.8.3");
        expect(pkg.dependencies["@pulumi/pulumi"]).toBeUndefined();
        expect(pkg.peerDependencies).toEqual({ "@pulumi/pulumi": project.dependencies["@pulumi/pulumi"] });
        expect(pkg.private).toBeUndefined();
        expect(pkg.devDependencies).toBeUndefined();
    });

    it("holds every directory and file a module of the package reads from its own tree", () => {
        for (const p of [...PACKAGE_DIRS, ...PACKAGE_FILES]) expect(fs.existsSync(path.join(PROJECT_ROOT, p)), p).toBe(true);
        // What components/, cli/ and lab/ read beside themselves, by __dirname or PROJECT_ROOT.
        for (const d of ["images", "cloud-init", "scripts", "toolchain"]) expect(PACKAGE_DIRS).toContain(d);
        expect(PACKAGE_FILES).toContain("Pulumi.yaml");
    });
});
