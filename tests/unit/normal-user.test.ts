// A user in the libvirt group, without sudo (README, "As a normal user"): what the lab tells
// them where root is needed. (Which mode their machine gets is in modes.test.ts; the whole
// round, make up to make down as such a user, is the e2e's "a user in the libvirt group" phase.)
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { serialLogProblem } from "../../cli/logs";
import { nftNeedsRoot } from "../../cli/nft";

describe("where root is needed, the command says so and what to run", () => {
    it("partitions, link faults and heal: nftables on the bridges, for root only", () => {
        expect(nftNeedsRoot(0)).toBeUndefined();
        expect(nftNeedsRoot(1000)).toMatch(/nftables rules on the lab's bridges, which needs root .*run the same command with sudo$/);
    });

    it("lab logs: a serial log that virtlogd keeps for root is named, with sudo and the console as the ways to read it", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "serial-"));
        try {
            const log = path.join(dir, "clusteros-lab-ci-node-2-serial.log");
            fs.writeFileSync(log, "boot\n");
            expect(serialLogProblem(log, "scripts/lab.sh --stack ci", "2")).toBeUndefined();
            const denied = () => { throw Object.assign(new Error("EACCES"), { code: "EACCES" }); };
            expect(serialLogProblem(log, "scripts/lab.sh --stack ci", "2", denied)).toBe(
                `node 2's serial log ${log} is readable by root only (libvirt's virtlogd writes it): `
                + "sudo scripts/lab.sh --stack ci logs 2, or watch the console as you are: scripts/lab.sh --stack ci console 2");
            expect(serialLogProblem(path.join(dir, "absent.log"), "scripts/lab.sh --stack ci", "5"))
                .toMatch(/^node 5 has no serial log at .*absent\.log on this host \(a node on another host keeps it there\)/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
