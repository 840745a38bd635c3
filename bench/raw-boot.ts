// The shipped disk booted with nothing given (issue 30, item 3): the image as `make usb`
// writes it (raw), in plain QEMU through SeaBIOS or OVMF, with no seed and no network, timed
// from QEMU's start to the login prompt on its serial console. Nothing is written to the
// image: QEMU keeps the guest's writes in a temporary overlay (snapshot=on).
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Firmware } from "../components/plan/config-types";
import { OVMF } from "../components/plan/firmware";

/** A login prompt on a serial console: "<hostname> login:". */
export const LOGIN_PROMPT = /^\S+ login: /m;

/** QEMU's arguments for the raw disk alone, booted through `firmware` (`vars`: a copy of OVMF's template). */
export function rawBootArgs(raw: string, firmware: Firmware, serialLog: string, vars: string): string[] {
    const ovmf = firmware === "uefi"
        ? ["-drive", `if=pflash,format=raw,readonly=on,file=${OVMF.code}`, "-drive", `if=pflash,format=raw,file=${vars}`]
        : [];
    return ["-machine", "q35,accel=tcg", "-m", "1024", "-smp", "2", "-display", "none", "-monitor", "none",
        "-serial", `file:${serialLog}`, ...ovmf, "-drive", `file=${raw},if=virtio,format=raw,snapshot=on`, "-nic", "none"];
}

/**
 * Seconds from QEMU's start until the login prompt, or undefined when none came within
 * `timeoutSeconds`; the serial log stays in `work` for a reader. QEMU is killed either way.
 */
export async function rawBootSeconds(raw: string, firmware: Firmware, work: string, timeoutSeconds = 600): Promise<string | undefined> {
    const serialLog = path.join(work, `raw-${firmware}.serial.log`);
    const vars = path.join(work, `raw-${firmware}-vars.fd`);
    fs.rmSync(serialLog, { force: true });
    if (firmware === "uefi") fs.copyFileSync(OVMF.varsTemplate, vars);
    const t0 = Date.now();
    const qemu = spawn("qemu-system-x86_64", rawBootArgs(raw, firmware, serialLog, vars), { stdio: "ignore" });
    const ended = new Promise<void>((done) => qemu.on("close", () => done()));
    let exited = false;
    void ended.then(() => { exited = true; });
    try {
        while (!exited && Date.now() - t0 < timeoutSeconds * 1000) {
            if (fs.existsSync(serialLog) && LOGIN_PROMPT.test(fs.readFileSync(serialLog, "latin1"))) {
                return ((Date.now() - t0) / 1000).toFixed(1);
            }
            await new Promise((done) => setTimeout(done, 500));
        }
        return undefined;
    } finally {
        if (!exited) qemu.kill("SIGKILL");
        await ended;
        fs.rmSync(vars, { force: true });
    }
}
