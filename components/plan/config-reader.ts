// Reading raw config values: each reader returns a usable value and records a problem
// (key, value, what is wrong, the command that fixes it) instead of throwing, so every
// problem is reported at once.
import { parseCidr, Cidr } from "./cidr";
import { projectDefaults } from "./defaults";

export interface ConfigProblem {
    key: string;
    value: unknown;
    problem: string;
    fix: string;
}

export class ConfigError extends Error {
    constructor(
        readonly project: string,
        readonly problems: ConfigProblem[],
    ) {
        super(formatProblems(project, problems));
        this.name = "ConfigError";
    }
}

export function formatProblems(project: string, problems: ConfigProblem[]): string {
    const n = problems.length;
    const lines = problems.map(
        (p) => `  - ${project}:${p.key} = ${JSON.stringify(p.value)}: ${p.problem}. Fix: ${p.fix}`,
    );
    return `invalid configuration (${n} problem${n === 1 ? "" : "s"}); nothing was created:\n${lines.join("\n")}`;
}

/**
 * Raw values as Pulumi hands them over (strings, or already-typed values in tests). Keys
 * the project does not know may be present too: they are reported, never ignored.
 */
export type RawConfig = { [key: string]: unknown };

/**
 * A list or object key's value: Pulumi gives it as JSON text ("" when unset: `empty`), a test
 * as the value itself. Text that is not JSON comes back as it is, for the caller to report as
 * the wrong shape.
 */
export function structured(v: unknown, empty: unknown): unknown {
    if (typeof v !== "string") return v;
    if (v.trim() === "") return empty;
    try {
        return JSON.parse(v);
    } catch {
        return v;
    }
}

export class Reader {
    readonly problems: ConfigProblem[] = [];
    constructor(private readonly raw: RawConfig) {}

    /** The raw value of a key, or its default from Pulumi.yaml. */
    value(key: string): unknown {
        const v = this.raw[key];
        return v === undefined ? projectDefaults()[key] : v;
    }

    report(key: string, value: unknown, problem: string, fix: string): void {
        this.problems.push({ key, value, problem, fix });
    }

    int(key: string, min: number, max: number, example: number): number {
        const v = this.value(key);
        const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
        if (!Number.isInteger(n) || n < min || n > max) {
            this.report(key, v, `must be a whole number from ${min} to ${max}`, `pulumi config set ${key} ${example}`);
            return example;
        }
        return n;
    }

    bool(key: string): boolean {
        const v = this.value(key);
        if (v === true || v === "true") return true;
        if (v === false || v === "false") return false;
        this.report(key, v, "must be true or false", `pulumi config set ${key} true`);
        return false;
    }

    str(key: string): string {
        const v = this.value(key);
        if (typeof v !== "string") {
            this.report(key, v, "must be a string", `pulumi config set ${key} <value>`);
            return "";
        }
        return v.trim();
    }

    oneOf<T extends string>(key: string, allowed: readonly T[]): T {
        const v = this.str(key);
        if (!(allowed as readonly string[]).includes(v)) {
            this.report(key, v, `must be one of ${allowed.join(", ")}`, `pulumi config set ${key} ${allowed[0]}`);
            return allowed[0];
        }
        return v as T;
    }

    stringList(key: string): string[] {
        const v = structured(this.value(key), []);
        if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
            this.report(key, this.value(key), "must be a list of strings", `pulumi config set --path '${key}[0]' '<value>'`);
            return [];
        }
        return v.map((x: string) => x.trim());
    }

    cidr(key: string, example: string): Cidr | undefined {
        const v = this.str(key);
        const parsed = parseCidr(v);
        if (typeof parsed === "string") {
            this.report(key, v, parsed, `pulumi config set ${key} ${example}`);
            return undefined;
        }
        return parsed;
    }
}
