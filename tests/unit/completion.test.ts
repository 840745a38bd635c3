// lab completion: the script made from the CLI's own command tree completes its commands,
// subcommands, argument choices and options, in bash and in zsh (bashcompinit), the way
// each shell's completion calls it (COMP_WORDS, COMP_CWORD).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { completionPaths, completionScript } from "../../cli/completion";
import { labProgram } from "../../cli/lab";

const ROOT = path.join(__dirname, "..", "..");
let dir = "";
beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "lab-completion-"));
    for (const shell of ["bash", "zsh"] as const) fs.writeFileSync(path.join(dir, `lab.${shell}`), completionScript(labProgram().program, shell));
});

/** The words a shell offers after `words` (the last one being typed). */
function complete(shell: "bash" | "zsh", words: string[]): string[] {
    const quoted = words.map((w) => `'${w}'`).join(" ");
    const script = shell === "bash"
        ? `source "$1"; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _clusteros_lab; printf '%s\\n' "\${COMPREPLY[@]}"`
        : `autoload -U compinit && compinit -u -D; source "$1"; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _clusteros_lab; print -rl -- "\${COMPREPLY[@]}"`;
    const argv = shell === "bash" ? ["--norc", "-c", script, "bash"] : ["-f", "-c", script, "zsh"];
    return execFileSync(shell, [...argv, path.join(dir, `lab.${shell}`)], { encoding: "utf8", cwd: ROOT }).split("\n").filter((w) => w !== "");
}

describe("lab completion", () => {
    it("walks the whole command tree: every command, subcommand and long option of lab", () => {
        const paths = new Map(completionPaths(labProgram().program).map((p) => [p.path, p.words]));
        expect(paths.get("")).toEqual(expect.arrayContaining(["status", "checkpoint", "networks", "partition", "completion", "--stack", "--help"]));
        expect(paths.get("checkpoint")?.slice().sort()).toEqual(["--help", "list", "restore", "rm", "save"]);
        expect(paths.get("status")).toEqual(expect.arrayContaining(["--wait", "--json"]));
        expect(paths.get("completion")).toEqual(expect.arrayContaining(["bash", "zsh"]));
    });

    it("bash: completes a command from its start, past --stack and its value", () => {
        expect(complete("bash", ["lab", "st"]).sort()).toEqual(["start", "status", "stop"]);
        expect(complete("bash", ["lab", "-s", "dev", "checkpoint", "r"]).sort()).toEqual(["restore", "rm"]);
        expect(complete("bash", ["lab", "--stack", "ci", "status", "--"]).sort()).toEqual(["--help", "--json", "--wait"]);
        expect(complete("bash", ["lab", "networks", "--j"])).toEqual(["--json"]);
        expect(complete("bash", ["lab", "completion", ""]).sort()).toEqual(["--help", "bash", "zsh"]);
    });

    it("bash: registered for lab and scripts/lab.sh", () => {
        const out = execFileSync("bash", ["--norc", "-c", 'source "$1"; complete -p lab scripts/lab.sh', "bash", path.join(dir, "lab.bash")], { encoding: "utf8" });
        expect(out).toContain("complete -F _clusteros_lab lab");
        expect(out).toContain("complete -F _clusteros_lab scripts/lab.sh");
    });

    it("zsh: registered through bashcompinit, offering the words of the command being typed (zsh filters by prefix itself)", () => {
        const registered = execFileSync("zsh", ["-f", "-c", 'autoload -U compinit && compinit -u -D; source "$1"; print -r -- "${_comps[lab]}"', "zsh", path.join(dir, "lab.zsh")], { encoding: "utf8" });
        expect(registered.trim()).toBe("_bash_complete -F _clusteros_lab");
        expect(complete("zsh", ["lab", "-s", "dev", "checkpoint", "r"]).sort()).toEqual(["--help", "list", "restore", "rm", "save"]);
        expect(complete("zsh", ["lab", "completion", ""]).sort()).toEqual(["--help", "bash", "zsh"]);
    });
});
