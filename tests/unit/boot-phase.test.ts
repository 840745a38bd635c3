// A node's boot phase read from its serial console (components/plan/boot-phase.ts), and the
// watch that shows each new one while `pulumi up` waits for the node's SSH
// (components/providers/boot-watch.ts). The console is a Debian 12 node's first boot, as
// virtlogd wrote it (GRUB's screen, the kernel on ttyS0, systemd, cloud-init's stages).
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { bootPhase } from "../../components/plan/boot-phase";
import { watchBoot } from "../../components/providers/boot-watch";

const CONSOLE = fs.readFileSync(path.join(__dirname, "fixtures", "console-first-boot.log"), "latin1");
const LINES = CONSOLE.split("\n");
const PHASES = ["firmware", "GRUB", "kernel", "systemd", "cloud-init init-local", "cloud-init init",
    "cloud-init modules:config", "cloud-init modules:final", "cloud-init done"];

describe("bootPhase", () => {
    it("follows a first boot line by line: firmware, GRUB, kernel, systemd, cloud-init's four stages, done", () => {
        const seen: string[] = [];
        for (let i = 0; i <= LINES.length; i++) {
            const phase = bootPhase(LINES.slice(0, i).join("\n"));
            if (seen[seen.length - 1] !== phase) seen.push(phase);
        }
        expect(seen).toEqual(PHASES);
    });

    it("takes the image's line for cloud-init done when the seed skips the config and final stages", () => {
        const config = LINES.findIndex((l) => l.includes("running 'modules:config'"));
        const initOnly = [...LINES.slice(0, config),
            "ClusterOS: cloud-init done, 0 error(s); its config and final stages skipped, as the seed asks"];
        expect(bootPhase(initOnly.slice(0, -1).join("\n"))).toBe("cloud-init init");
        expect(bootPhase(initOnly.join("\n"))).toBe("cloud-init done");
    });

    it("gives the phase of the console's latest boot when it holds more than one", () => {
        expect(bootPhase(CONSOLE + LINES.slice(0, 3).join("\n"))).toBe("kernel");
        expect(bootPhase(CONSOLE + CONSOLE)).toBe("cloud-init done");
    });
});

describe("watchBoot", () => {
    let dir = "";
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reports each new phase once, with the seconds since it began, counting only what the log gained", () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "boot-watch-"));
        const log = path.join(dir, "node-serial.log");
        fs.writeFileSync(log, CONSOLE); // an earlier boot of a domain of the same name
        let clock = 1_000_000;
        const reported: string[] = [];
        const watch = watchBoot(log, (l) => reported.push(l), () => clock);
        watch.poll();
        for (const line of LINES) {
            clock += 2000;
            fs.appendFileSync(log, `${line}\n`);
            watch.poll();
            watch.poll(); // nothing new: nothing reported
        }
        expect(reported.map((l) => l.replace(/ \(\d+s\)$/, ""))).toEqual(PHASES);
        expect(reported[0]).toBe("firmware (0s)");
        const finished = LINES.findIndex((l) => l.includes("finished at")) + 1; // lines appended, 2 s apart
        expect(reported[reported.length - 1]).toBe(`cloud-init done (${2 * finished}s)`);
        expect(watch.phase()).toBe("cloud-init done");
    });

    it("takes up a boot under way (an up interrupted while the node booted): its phase at once", () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "boot-watch-"));
        const log = path.join(dir, "node-serial.log");
        const systemd = LINES.findIndex((l) => l.includes("Welcome to")) + 1;
        fs.writeFileSync(log, CONSOLE + LINES.slice(0, systemd).join("\n"));
        const reported: string[] = [];
        const watch = watchBoot(log, (l) => reported.push(l));
        watch.poll();
        expect(reported).toEqual(["systemd (0s)"]);
    });

    it("reports nothing for a log that is not on this host (another host's node)", () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "boot-watch-"));
        const reported: string[] = [];
        const watch = watchBoot(path.join(dir, "absent.log"), (l) => reported.push(l));
        watch.poll();
        expect(reported).toEqual([]);
        expect(watch.phase()).toBeUndefined();
    });
});
