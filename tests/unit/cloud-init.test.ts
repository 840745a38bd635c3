import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { planNetwork, planNodes } from "../../components/addressing";
import { Cidr } from "../../components/cidr";
import { CloudInitDocs, renderCloudInit } from "../../components/cloud-init";
import { ClusterConfig } from "../../components/config";
import { config } from "./helpers";

const SECRETS = {
    wireguardPrivateKey: "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=",
    mungeKey: Buffer.alloc(1024, 7).toString("base64"),
    k3sToken: "k3s-token-value",
    clusterKey: "cluster-key-value",
};
const AUTOMATION_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAutomation automation@lab";

function render(cfg: ClusterConfig, index: number): CloudInitDocs {
    const nodes = planNodes("clusteros-lab", "ci", cfg);
    return renderCloudInit({
        node: nodes[index - 1],
        network: planNetwork("clusteros-lab", "ci", cfg.nodeCidr as Cidr),
        cfg,
        k3sServerWireguardIp: nodes.find((n) => n.k3sServer)!.wireguardIp,
        automationPublicKey: AUTOMATION_KEY,
        secrets: SECRETS,
    });
}

function writtenFile(userData: string, p: string): string | undefined {
    const doc = parse(userData);
    const f = doc.write_files.find((x: { path: string }) => x.path === p);
    return f && Buffer.from(f.content, "base64").toString("utf8");
}

function hasCloudInit(): boolean {
    try {
        execFileSync("cloud-init", ["--version"], { stdio: "ignore" });
        return true;
    } catch {
        return false;
    }
}

describe.each([1, 3, 5])("cloud-init for a %i-node cluster", (n) => {
    const cfg = config({ nodeCount: n, k3s: true, sshPublicKeys: ["ssh-ed25519 AAAAC3NzaPerson person@laptop # with: yaml chars"] });

    it.each(Array.from({ length: n }, (_, i) => i + 1))("node %i gets its own identity", (i) => {
        const docs = render(cfg, i);
        expect(docs.userData.startsWith("#cloud-config\n")).toBe(true);
        const user = parse(docs.userData);
        expect(user.hostname).toBe(`cluster-node-${i}`);
        expect(user.ssh_pwauth).toBe(false);
        const admin = user.users[0];
        expect(admin.name).toBe("clusteros");
        expect(admin.lock_passwd).toBe(true);
        expect(admin.ssh_authorized_keys).toEqual([AUTOMATION_KEY, cfg.sshPublicKeys[0]]);

        const wg = writtenFile(docs.userData, "/etc/wireguard/wg0.conf")!;
        expect(wg).toContain(`PrivateKey = ${SECRETS.wireguardPrivateKey}`);
        expect(wg).toContain(`Address = 10.78.0.${i}/24`);
        expect(wg).not.toContain("[Peer]");
        const munge = parse(docs.userData).write_files.find((f: { path: string }) => f.path === "/etc/munge/munge.key");
        expect(Buffer.from(munge.content, "base64").length).toBe(1024);
        expect(munge.owner).toBe("munge:munge");
        const env = writtenFile(docs.userData, "/etc/clusteros/node-agent.env")!;
        expect(env).toContain(`CLUSTEROS_NODE_ID=clusteros-lab-ci-node-${i}`);
        expect(env).toContain(`CLUSTEROS_CLUSTER_KEY=${SECRETS.clusterKey}`);
        const k3s = parse(writtenFile(docs.userData, "/etc/rancher/k3s/config.yaml")!);
        expect(k3s.token).toBe(SECRETS.k3sToken);
        if (i === 1) expect(k3s.server).toBeUndefined();
        else expect(k3s.server).toBe("https://10.78.0.1:6443");

        const meta = parse(docs.metaData);
        expect(meta["instance-id"]).toBe(`clusteros-lab-ci-node-${i}`);
        const net = parse(docs.networkConfig);
        expect(net.version).toBe(2);
        expect(net.ethernets.primary.addresses).toEqual([`10.77.0.${9 + i}/24`]);
        expect(net.ethernets.primary.routes).toEqual([{ to: "0.0.0.0/0", via: "10.77.0.1" }]);
    });

    it.skipIf(!hasCloudInit())("passes `cloud-init schema`", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ci-schema-"));
        try {
            const file = path.join(dir, "user-data");
            fs.writeFileSync(file, render(cfg, n).userData);
            execFileSync("cloud-init", ["schema", "--config-file", file], { stdio: "pipe" });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("cloud-init without SLURM and K3s", () => {
    it("writes no munge key and starts no K3s", () => {
        const docs = render(config({ nodeCount: 2, slurm: false, k3s: false }), 2);
        expect(writtenFile(docs.userData, "/etc/munge/munge.key")).toBeUndefined();
        expect(writtenFile(docs.userData, "/etc/rancher/k3s/config.yaml")).toBeUndefined();
        expect(parse(docs.userData).runcmd).toBeUndefined();
    });
});

describe("first boot runs no command the image already does", () => {
    it("has no runcmd unless K3s must be started, and skips RSA host keys", () => {
        const plain = parse(render(config({ nodeCount: 2, k3s: false }), 2).userData);
        expect(plain.runcmd).toBeUndefined();
        expect(plain.ssh_genkeytypes).not.toContain("rsa");
        expect(plain.grub_dpkg).toEqual({ enabled: false });
        const k3s = parse(render(config({ nodeCount: 2, k3s: true }), 2).userData);
        expect(k3s.runcmd).toEqual(["/usr/local/sbin/clusteros-k3s-start"]);
    });
});

describe("identity stays put when the cluster grows", () => {
    it("renders nodes 1-3 byte-identically for 3 and 4 nodes", () => {
        const three = config({ nodeCount: 3 });
        const four = config({ nodeCount: 4 });
        for (const i of [1, 2, 3]) expect(render(four, i)).toEqual(render(three, i));
    });
});
