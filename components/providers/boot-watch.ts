// Watches a booting node's serial console log (a file on this host, appended by virtlogd)
// and reports each new boot phase (plan/boot-phase.ts) with the seconds since the watch
// began. The file keeps earlier boots of a domain of the same name: what it held when the
// watch began counts only when its latest boot had not finished (a boot under way, as after
// an interrupted up). A log this process cannot read (another host's node, or a user who
// may not read libvirt's log directory) shows nothing; the wait goes on.
import { bootPhase, lastBootStart } from "../plan/boot-phase";
import { LineLogger } from "./engine-log";

export interface BootWatch {
    /** Reads what the log gained and reports a phase that changed. */
    poll(): void;
    /** The last phase reported; undefined before any. */
    phase(): string | undefined;
}

export function watchBoot(logFile: string, report: LineLogger, now: () => number = Date.now): BootWatch {
    const fs = require("node:fs");
    const started = now();
    const sizeOf = (): number | undefined => {
        try {
            return fs.statSync(logFile).size;
        } catch {
            return undefined;
        }
    };
    const readable = (): boolean => {
        try {
            fs.accessSync(logFile, fs.constants.R_OK);
            return true;
        } catch {
            return false;
        }
    };
    let offset = sizeOf() ?? 0;
    let text = "";
    let last: string | undefined;
    if (offset > 0 && readable()) {
        // The latest boot as far as the last 1 MiB shows it: kept when it is still under way.
        const tail = Buffer.alloc(Math.min(offset, 1 << 20));
        const fd = fs.openSync(logFile, "r");
        try {
            fs.readSync(fd, tail, 0, tail.length, offset - tail.length);
        } finally {
            fs.closeSync(fd);
        }
        const held = tail.toString("latin1");
        const current = held.slice(lastBootStart(held));
        if (held.includes("GNU GRUB") && bootPhase(current) !== "cloud-init done") text = current;
    }
    return {
        poll() {
            const size = sizeOf();
            if (size === undefined || !readable()) return;
            if (size < offset) offset = 0; // the log was rotated or removed and made anew
            if (size > offset) {
                try {
                    const fd = fs.openSync(logFile, "r");
                    try {
                        const buf = Buffer.alloc(size - offset);
                        const n = fs.readSync(fd, buf, 0, buf.length, offset);
                        text += buf.subarray(0, n).toString("latin1");
                        offset += n;
                    } finally {
                        fs.closeSync(fd);
                    }
                } catch {
                    return; // not readable here
                }
            }
            const phase = bootPhase(text);
            if (phase === last) return;
            last = phase;
            report(`${phase} (${Math.round((now() - started) / 1000)}s)`);
        },
        phase: () => last,
    };
}
