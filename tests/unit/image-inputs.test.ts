import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { planNodes } from "../../components/plan/addressing";
import { imageRecipe, recipeHash } from "../../components/plan/image-inputs";
import { planLiveAgent } from "../../components/plan/node-agent";
import { planCluster } from "../../components/plan/cluster-plan";
import { ConfigError } from "../../components/plan/config";
import { config, directories } from "./helpers";

const read = (p: string) => fs.readFileSync(p);
const BUNDLE = { dir: "/nonexistent/kubernetes-0123abcd", version: "v1.37.2" };

// The test's agent binaries, in one scratch directory removed after the file's tests.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "image-inputs-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
let agents = 0;

function agentFile(content: string): string {
    const dir = path.join(scratch, `agent-${++agents}`);
    fs.mkdirSync(dir);
    const file = path.join(dir, "node-agent");
    fs.writeFileSync(file, content);
    return file;
}

function withAgent(file: string, delivery: "image" | "live") {
    return { ...config(), nodeAgentPath: file, nodeAgentDelivery: delivery } as ReturnType<typeof config>;
}

describe("image content hash", () => {
    it("covers the flavor's own files, the Packer configuration, the shared provisioning and build.sh", () => {
        const r = imageRecipe(config(), "debian-12");
        expect(r.files).toContain("debian/build-base.sh");
        expect(r.files).toContain("packer/node.pkr.hcl");
        expect(r.files).toContain("packer/variables.pkr.hcl");
        expect(r.files).toContain("common/provision/90-cleanup.sh");
        expect(r.files).toContain("build.sh");
        expect(r.files.some((f) => f.startsWith("ubuntu/"))).toBe(false);
    });

    it("is stable, and changes with the node-agent binary baked into the image", () => {
        const a = agentFile("v1");
        const b = agentFile("v2");
        const h1 = recipeHash(imageRecipe(withAgent(a, "image"), "debian-12"), read);
        expect(recipeHash(imageRecipe(withAgent(a, "image"), "debian-12"), read)).toBe(h1);
        expect(recipeHash(imageRecipe(withAgent(b, "image"), "debian-12"), read)).not.toBe(h1);
    });

    it("ignores the node-agent binary when it is delivered live", () => {
        const a = agentFile("v1");
        const b = agentFile("v2");
        expect(recipeHash(imageRecipe(withAgent(a, "live"), "debian-12"), read))
            .toBe(recipeHash(imageRecipe(withAgent(b, "live"), "debian-12"), read));
    });

    it("changes with the K3s version only when K3s is on", () => {
        const on = (v: string) => recipeHash(imageRecipe(config({ kubernetes: "k3s", k3sVersion: v }), "debian-12"), read);
        const off = (v: string) => recipeHash(imageRecipe(config({ kubernetes: "off", k3sVersion: v }), "debian-12"), read);
        const upstream = (v: string) => recipeHash(imageRecipe(config({ kubernetes: "upstream", k3sVersion: v }), "debian-12", BUNDLE), read);
        expect(on("v1.31.4+k3s1")).not.toBe(on("v1.31.5+k3s1"));
        expect(off("v1.31.4+k3s1")).toBe(off("v1.31.5+k3s1"));
        expect(upstream("v1.31.4+k3s1")).toBe(upstream("v1.31.5+k3s1"));
    });

    it("bakes in the upstream bundle only with kubernetes=upstream, and changes with the bundle", () => {
        const upstream = config({ kubernetes: "upstream" });
        expect(() => imageRecipe(upstream, "debian-12")).toThrow(/make kubernetes/);
        const h = recipeHash(imageRecipe(upstream, "debian-12", BUNDLE), read);
        expect(recipeHash(imageRecipe(upstream, "debian-12", { ...BUNDLE, dir: "/cache/kubernetes-ffff" }), read)).not.toBe(h);
        expect(h).not.toBe(recipeHash(imageRecipe(config({ kubernetes: "off" }), "debian-12"), read));
        expect(imageRecipe(config({ kubernetes: "k3s" }), "debian-12", BUNDLE).upstreamKubernetes).toBeUndefined();
    });
});

describe("the image's additions (imageExtraPackages, imageProvisionDir)", () => {
    const scripts = (files: Record<string, string>) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "provision-"));
        for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), body);
        directories.add(dir); // as the host checks see it
        return dir;
    };
    const hash = (raw: Record<string, unknown>) => recipeHash(imageRecipe(config(raw), "debian-12"), read);

    it("run the directory's *.sh scripts in name order, and nothing else in it", () => {
        const dir = scripts({ "20-b.sh": "b", "10-a.sh": "a", "notes.txt": "x" });
        expect(imageRecipe(config({ imageProvisionDir: dir }), "debian-12").provisionScripts).toEqual([path.join(dir, "10-a.sh"), path.join(dir, "20-b.sh")]);
    });

    it("are part of the hash: packages as a set, scripts by name and content; none leaves the hash as it was", () => {
        const plain = hash({});
        expect(hash({ imageExtraPackages: [] })).toBe(plain);
        expect(hash({ imageExtraPackages: ["jq"] })).not.toBe(plain);
        expect(hash({ imageExtraPackages: ["tree", "jq"] })).toBe(hash({ imageExtraPackages: ["jq", "tree", "jq"] }));
        const dir = scripts({ "10-a.sh": "echo a" });
        const withScript = hash({ imageProvisionDir: dir });
        expect(withScript).not.toBe(plain);
        fs.writeFileSync(path.join(dir, "10-a.sh"), "echo changed");
        expect(hash({ imageProvisionDir: dir })).not.toBe(withScript);
        fs.writeFileSync(path.join(dir, "README.md"), "not a script");
        expect(hash({ imageProvisionDir: dir })).toBe(hash({ imageProvisionDir: dir }));
    });

    it("reach build.sh: the packages for the base, the directory for 50-extra.sh", () => {
        const dir = scripts({ "10-a.sh": "echo a" });
        const plan = planCluster("clusteros-lab", "ci", config({ imageExtraPackages: ["tree", "jq"], imageProvisionDir: dir }), { read, cacheDir: "/cache" });
        expect(plan.image.kind === "build" && plan.image.argv.join(" ")).toContain(`--extra-packages jq,tree --provision-dir ${dir}`);
    });

    it("are refused with a prebuilt image, a package name apt would not take, or a directory that is not there", () => {
        const problems = (raw: Record<string, unknown>) => {
            try {
                config(raw as never);
                return [];
            } catch (e) {
                return (e as ConfigError).problems.map((p) => `${p.key}: ${p.problem}`);
            }
        };
        expect(problems({ imageFlavor: "", imagePath: "/images/prebuilt.qcow2", imageExtraPackages: ["jq"] }))
            .toEqual(["imageExtraPackages: changes the image the lab builds, and imagePath names a prebuilt one"]);
        expect(problems({ imageExtraPackages: ["jq", "Not A Package"] })).toEqual(["imageExtraPackages[1]: is not a Debian package name (lower case letters, digits, + - .)"]);
        expect(problems({ imageProvisionDir: "/nowhere" })).toEqual(["imageProvisionDir: is not an existing directory (of *.sh scripts)"]);
    });
});

describe("live node-agent delivery", () => {
    it("copies the binary under its hash and restarts the service", () => {
        const file = agentFile("#!/bin/sh\nsleep 1000\n");
        const [node] = planNodes("p", "s", config({ nodeCount: 1 }));
        const plan = planLiveAgent(node, file);
        expect(plan.destination).toBe(`/tmp/clusteros-node-agent.${plan.sha256.slice(0, 16)}`);
        expect(plan.environment.AGENT_UPLOAD).toBe(plan.destination);
        expect(plan.script).toContain(`install -m 0755 "$AGENT_UPLOAD" /usr/local/bin/clusteros-node-agent`);
        expect(plan.script).toContain("systemctl restart clusteros-node-agent.service");
        const unit = Buffer.from(plan.environment.AGENT_UNIT, "base64").toString();
        expect(unit).toContain("EnvironmentFile=/etc/clusteros/node-agent.env");
        expect(planLiveAgent(node, agentFile("other")).sha256).not.toBe(plan.sha256);
    });
});
