// Processes of this host, as the lab's host-side operations see them: one answer to "does
// pid still run" for the daemon's pid files, stale locks and the sweep of killed runs.

/** Whether process pid runs on this host (EPERM: it runs, as another user). */
export function alive(pid: number | undefined): boolean {
    if (pid === undefined) return false;
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "EPERM";
    }
}

/** Blocks this process for ms milliseconds (the synchronous waits of a daemon's start and stop). */
export function sleepSync(ms: number): void {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
