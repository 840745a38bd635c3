// Which Pulumi program the lab's commands act on (components/program-dir.ts): the project
// the command runs in, as `pulumi` finds it, else this package's; and its project name.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../components/plan/paths";
import { programDir, projectName } from "../../components/program-dir";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "program-dir-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("programDir", () => {
    const repo = path.join(dir, "clusteros");
    fs.mkdirSync(path.join(repo, "tests", "cluster"), { recursive: true });
    fs.writeFileSync(path.join(repo, "Pulumi.yaml"), "name: clusteros\nruntime: nodejs\n");

    it("is the nearest directory at or above the working directory that holds a Pulumi.yaml", () => {
        expect(programDir(repo)).toBe(repo);
        expect(programDir(path.join(repo, "tests", "cluster"))).toBe(repo);
        expect(projectName(programDir(path.join(repo, "tests")))).toBe("clusteros");
    });

    it("is this package's own program where no project is found", () => {
        const bare = fs.mkdtempSync(path.join(os.tmpdir(), "no-program-"));
        try {
            expect(programDir(bare)).toBe(PROJECT_ROOT);
            expect(projectName(PROJECT_ROOT)).toBe("clusteros-lab");
        } finally {
            fs.rmSync(bare, { recursive: true, force: true });
        }
    });

    it("names the file and the key when a project file has no name", () => {
        const nameless = path.join(dir, "nameless");
        fs.mkdirSync(nameless);
        fs.writeFileSync(path.join(nameless, "Pulumi.yaml"), "runtime: nodejs\n");
        expect(() => projectName(nameless)).toThrow(`${path.join(nameless, "Pulumi.yaml")} names no project (its 'name:' key)`);
    });
});
