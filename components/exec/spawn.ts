// Running a program: one way for the dynamic providers, the CLI and the tests. Arguments
// are a list (no shell quoting); output is collected, and streamed line by line when asked.
// Dynamic providers carry these functions into their own process (Pulumi serializes them),
// so node's modules are required inside the functions, not imported at the top.

export interface Ran {
    /** The exit code; 255 when the program could not be started or was killed. */
    code: number;
    stdout: string;
    stderr: string;
    /** stdout and stderr as they came, interleaved. */
    output: string;
}

export interface SpawnOptions {
    /** Written to the program's stdin, which is then closed. */
    input?: string;
    /** Each non-empty line of stdout and stderr, as it arrives. */
    onLine?: (line: string) => void;
    /** Added to this process's environment. */
    env?: Record<string, string>;
    /** Called with the program's pid once it runs. */
    onStart?: (pid: number) => void;
}

export function spawnCollect(argv: string[], opts: SpawnOptions = {}): Promise<Ran> {
    const { spawn } = require("node:child_process");
    const [program, ...args] = argv;
    return new Promise((resolve) => {
        const child = spawn(program, args, {
            stdio: ["pipe", "pipe", "pipe"],
            env: opts.env ? { ...process.env, ...opts.env } : process.env,
        });
        if (child.pid !== undefined) opts.onStart?.(child.pid);
        const ran: Ran = { code: 255, stdout: "", stderr: "", output: "" };
        // Each stream is split on its own: a line is never glued to the other stream's.
        const partial = { stdout: "", stderr: "" };
        const take = (stream: "stdout" | "stderr") => (chunk: string) => {
            ran[stream] += chunk;
            ran.output += chunk;
            if (!opts.onLine) return;
            const parts = (partial[stream] + chunk).split("\n");
            partial[stream] = parts.pop() ?? "";
            parts.filter((l) => l.trim() !== "").forEach(opts.onLine);
        };
        child.stdout.setEncoding("utf8");
        child.stderr.setEncoding("utf8");
        child.stdout.on("data", take("stdout"));
        child.stderr.on("data", take("stderr"));
        child.on("error", (e: Error) => resolve({ ...ran, stderr: ran.stderr + e.message, output: ran.output + e.message }));
        child.on("close", (code: number | null) => {
            for (const rest of [partial.stdout, partial.stderr]) if (rest.trim() !== "") opts.onLine?.(rest);
            resolve({ ...ran, code: code ?? 255 });
        });
        // The program may exit before reading its input: its exit code tells, not the broken pipe.
        child.stdin.on("error", () => undefined);
        child.stdin.end(opts.input ?? "");
    });
}

/** A word for a shell command line: as it is when it is safe, else single-quoted. */
export function shellQuote(s: string): string {
    return /^[A-Za-z0-9_./:=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Calls `attempt` until it returns a value or the deadline (ms since the epoch) passes,
 * waiting `intervalMs` between calls; undefined when time ran out.
 */
export async function untilDeadline<T>(deadline: number, intervalMs: number, attempt: () => Promise<T | undefined>): Promise<T | undefined> {
    for (;;) {
        const v = await attempt();
        if (v !== undefined) return v;
        if (Date.now() + intervalMs > deadline) return undefined;
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}
