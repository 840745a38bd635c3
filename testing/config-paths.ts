// Stack config for a test's stack as `pulumi config set --path` takes it: objects and lists
// become one path per leaf (hosts.lab2.nodes[0] = 3). Pure.

export type ConfigInput = string | number | boolean | ConfigInput[] | { [key: string]: ConfigInput };

/** One `key: value` per leaf, keys under the project's namespace. */
export function configPaths(project: string, config: Record<string, ConfigInput>): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (key: string, v: ConfigInput) => {
        if (Array.isArray(v)) v.forEach((x, i) => walk(`${key}[${i}]`, x));
        else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(`${key}.${k}`, x);
        else out[`${project}:${key}`] = String(v);
    };
    for (const [k, v] of Object.entries(config)) walk(k, v);
    return out;
}
